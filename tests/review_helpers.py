"""A run directory as the training callbacks write it, without training (for the review tests)."""

import json
from pathlib import Path

import numpy as np


def fake_run(directory: Path, seed: int, epochs=(0, 1, 2), lr=1e-3, dim: int = 2) -> Path:
    """A run directory as the training callbacks write it: config, metrics, per-epoch embeddings (real MNIST
    indices, so the page shows real digit thumbnails); the embedding separates the digits more each epoch."""
    rng = np.random.default_rng(seed)
    (directory / ".hydra").mkdir(parents=True)
    (directory / ".hydra" / "config.yaml").write_text(
        f"seed: {seed}\nmodel:\n  _target_: siamese.models.EmbeddingNet\n  embedding_dim: 2\n"
        f"loss:\n  _target_: siamese.losses.ContrastiveLoss\n  margin: 1.0\n"
        f"optimizer:\n  _target_: torch.optim.Adam\n  lr: {lr}\ndata:\n  digits: [4, 9]\n  batch_size: 128\n")
    (directory / ".hydra" / "overrides.yaml").write_text(f"- optimizer.lr={lr}\n")
    (directory / "metrics.json").write_text(json.dumps({"test/precision_at_1": 0.9, "epochs": float(max(epochs))}))
    with open(directory / "metrics_history.jsonl", "w") as handle:
        for e in epochs[1:]:
            handle.write(json.dumps({"stage": "fit", "epoch": e, "train/loss": 1.0 / e, "val/loss": 1.2 / e,
                                     "val/precision_at_1": 1 - 0.1 / e}) + "\n")
    (directory / "embeddings").mkdir()
    splits = {"train": (np.arange(0, 120), np.zeros(120, int)), "test": (np.arange(0, 60), np.zeros(60, int)),
              "test_shifted": (np.tile(np.arange(0, 30), 2), np.repeat([-3, 3], 30))}
    from siamese.data.mnist import load_mnist

    for e in epochs:
        arrays = {}
        for split, (index, shift) in splits.items():
            label = load_mnist("train" if split == "train" else "test")[1].numpy()[index]
            centre = np.zeros((len(label), dim))
            centre[:, 0] = (label == label.max()) * (1 + 2 * e)
            arrays.update({f"{split}/embedding": (centre + rng.normal(size=(len(label), dim))).astype(np.float32),
                           f"{split}/label": label, f"{split}/shift": shift, f"{split}/index": index})
        np.savez_compressed(directory / "embeddings" / f"epoch_{e:03d}.npz", **arrays)
    return directory
