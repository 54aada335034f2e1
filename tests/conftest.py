import os

import pytest

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")


@pytest.fixture
def cfg_factory(tmp_path):
    """``cfg_factory(*overrides)``: the composed training config with its run directory in tmp_path."""
    from siamese.config import compose_config

    def make(*overrides):
        return compose_config(overrides, output_dir=tmp_path / "run")

    return make


@pytest.fixture(scope="session")
def random_classifier_ckpt(tmp_path_factory):
    """A checkpoint in train.py's format (run config, ``net.`` weights, data-module normalization) of the
    classifier convnet with seeded random weights: a real frozen net for the commands, without training."""
    import torch

    from siamese.models import ClassifierNet

    with torch.random.fork_rng(devices=[]):  # leave the global RNG as other tests expect it
        torch.manual_seed(0)
        net = ClassifierNet(num_classes=10)
    path = tmp_path_factory.mktemp("ckpt") / "random.ckpt"
    torch.save({"siamese_config": {"model": {"_target_": "siamese.models.ClassifierNet", "num_classes": 10},
                                   "task_name": "random-classifier"},
                "state_dict": {f"net.{k}": v for k, v in net.state_dict().items()},
                "MNISTDataModule": {"mean": 0.1307, "std": 0.3081}}, path)
    return path


@pytest.fixture
def random_pair_set(tmp_path):
    """``random_pair_set(n, pair_ids=None)``: ``n`` pairs of seeded random-noise 28x28 images written to
    ``<tmp>/pairs/pairs.npz`` and loaded (pair ids ``q0, q1, ...`` unless given): a pair set for the rating
    server and page tests."""
    import numpy as np

    from siamese.human.io.pair_set import load_pair_set

    def make(n, pair_ids=None):
        directory = tmp_path / "pairs"
        directory.mkdir()
        images = np.random.default_rng(0).integers(0, 256, size=(2, n, 28, 28), dtype=np.uint8)
        ids = list(pair_ids) if pair_ids is not None else [f"q{k}" for k in range(n)]
        np.savez(directory / "pairs.npz", images_a=images[0], images_b=images[1], pair_id=np.array(ids))
        return load_pair_set(directory)

    return make
