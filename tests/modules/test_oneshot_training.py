"""A short real Omniglot training (real Trainer, data=omniglot, the preset's loss and augmentation) must beat raw
pixels at 20-way 1-shot classification of characters it never saw, on the very same episodes."""

import numpy as np
import torch

from siamese.data.omniglot import OmniglotReader
from siamese.evaluation.oneshot import mean_ci, sample_episodes
from siamese.evaluation.oneshot_baselines import pixel_cosine_scores
from siamese.training import train


def pixel_error(val_alphabet: str, test_alphabet: str, episodes: int) -> tuple[float, float]:
    """Pixel-cosine error (mean, CI half-width) on the episodes the one-shot callback draws (seed 0)."""
    reader = OmniglotReader(image_size=28, val_alphabets=[val_alphabet], test_alphabets=[test_alphabet])
    arrays = reader.read("val")
    images, labels = arrays.images[:, 0].numpy(), arrays.labels.numpy()
    errors = [float(np.mean(np.argmax(pixel_cosine_scores(images[e.query], images[e.support[:, 0]]), 1)
                            != e.query_class))
              for e in sample_episodes(labels, reader.label_groups, 20, 1, episodes, 1, True, 0)]
    mean, low, high = mean_ci(errors)
    return mean, (high - low) / 2


def test_short_omniglot_training_beats_pixels_on_held_out_alphabet(cfg_factory):
    cfg = cfg_factory("experiment=omniglot_normalized_softmax", "trainer.max_epochs=1", "data.image_size=28",
                      "logger=none", "test=false",
                      "callbacks=[oneshot_error]", "callbacks.oneshot_error.episodes=100")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one epoch of 31 steps; 2 threads on a busy 2-core machine spin-wait (3x slower)
    try:
        metrics = train(cfg)
    finally:
        torch.set_num_threads(threads)
    pixels, pixels_ci = pixel_error(cfg.data.val_alphabets[0], cfg.data.test_alphabets[0], episodes=100)
    error, ci = metrics["val/oneshot_error"], metrics["val/oneshot_error_ci"]
    assert 0.6 < pixels < 0.95  # raw pixels barely help on 20-way within-alphabet episodes
    assert error + ci < pixels - pixels_ci, (error, ci, pixels, pixels_ci)


def test_every_omniglot_preset_builds_its_siamese_net_loss_and_monitor(cfg_factory):
    from siamese.models import SiameseNet
    from siamese.modules.from_config import build_module

    expected = {"omniglot_siamese": ("weighted_l1", "VerificationLoss"),
                "omniglot_contrastive": ("euclidean", "ContrastiveLoss"),
                "omniglot_normalized_softmax": ("cosine", "PMLLoss")}
    for preset, (head, loss) in expected.items():
        cfg = cfg_factory(f"experiment={preset}")
        module = build_module(cfg)
        assert isinstance(module.net, SiameseNet) and module.net.head_name == head, preset
        assert type(module.loss).__name__ == loss and cfg.optimized_metric == "val/oneshot_error", preset
        assert cfg.data.dataset == "omniglot" and cfg.data.affine.degrees > 0, preset
