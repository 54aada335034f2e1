"""MNIST images by position, for the analyses that show or re-score digits (human pair sets, review figures).

``mnist_cache_dir()`` is where MNIST is decompressed: ``$SIAMESE_CACHE`` if set (as in the training config), else
``<repo>/.cache``. Every reader of MNIST outside a data module passes it to ``load_mnist``.
"""

from __future__ import annotations

import os

import numpy as np
import torch

from siamese.data.mnist_files import DEFAULT_CACHE_DIR, load_mnist
from siamese.data.shift import shift_images

# the MNIST split that a run's split indexes into (train/val come from MNIST train, test/test_shifted from test)
MNIST_SPLIT = {"train": "train", "val": "train", "test": "test", "test_shifted": "test"}


def mnist_cache_dir() -> str:
    """``$SIAMESE_CACHE`` if set, else the repository's ``.cache`` (``siamese.data.mnist_files.DEFAULT_CACHE_DIR``)."""
    return os.environ.get("SIAMESE_CACHE") or str(DEFAULT_CACHE_DIR)


def load_mnist_split(split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """``(images uint8 [N, 28, 28], labels [N])`` of MNIST ``train`` or ``test``, read through ``mnist_cache_dir()``."""
    return load_mnist(split, cache_dir=mnist_cache_dir())


def digit_images(splits_with_index: list[tuple[str, np.ndarray, np.ndarray]]) -> np.ndarray:
    """uint8 ``[N, 28, 28]`` MNIST images for ``(split, index, shift)`` triples: ``index`` is the position in the
    MNIST split the run's split came from (train/val -> train, test/test_shifted -> test), shifted by ``shift``."""
    parts = []
    for split, index, shift in splits_with_index:
        images, _ = load_mnist_split(MNIST_SPLIT[split])
        chosen = images[torch.as_tensor(np.asarray(index, dtype=np.int64))]
        parts.append(shift_images(chosen, torch.as_tensor(np.asarray(shift, dtype=np.int64))).numpy())
    return np.concatenate(parts) if parts else np.zeros((0, 28, 28), np.uint8)
