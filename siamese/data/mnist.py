"""MNIST, shipped in ``data/mnist/``: its files, its images by position, and ``data=mnist``'s data module.

- files: the repository ships the four original idx files gzip-compressed (see ``data/mnist/README.md`` for the
  licence and attribution). On first use they are decompressed into ``<cache_dir>/MNIST/raw/`` and checked
  against the sha256 of the original distribution, so ``torchvision.datasets.MNIST(cache_dir, download=False)``
  reads them (``prepare_mnist``, ``load_mnist``). Nothing is ever downloaded.
- images by position, for the analyses that show or re-score digits (human pair sets, review figures):
  ``load_mnist_split`` and ``digit_images``, read through ``mnist_cache_dir()`` (``$SIAMESE_CACHE`` if set, as in
  the training config, else ``<repo>/.cache``).
- ``MNISTDataModule``: ``siamese.data.image_datamodule.ImageDataModule`` on these files, with the MNIST name of the
  class subset, ``digits``, and MNIST's own defaults.
"""

from __future__ import annotations

import functools
import gzip
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from siamese.data.image_datamodule import EVAL_SPLITS, ImageDataModule
from siamese.data.shift import shift_images
from siamese.data.shipped_files import DEFAULT_CACHE_DIR, REPO_ROOT, cache_root, verify_sha256
from siamese.utils.parameters import ParameterError

__all__ = ["DEFAULT_CACHE_DIR", "DEFAULT_SOURCE_DIR", "EVAL_SPLITS", "MNISTDataModule", "digit_images", "load_mnist",
           "load_mnist_split", "mnist_cache_dir", "prepare_mnist"]

SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

DEFAULT_SOURCE_DIR = REPO_ROOT / "data" / "mnist"


def prepare_mnist(source_dir: str | Path = DEFAULT_SOURCE_DIR, cache_dir: str | Path = DEFAULT_CACHE_DIR) -> Path:
    """Decompress the shipped ``*.gz`` files into ``cache_dir/MNIST/raw`` (atomically) and verify their sha256.

    Returns ``cache_dir``, the root that torchvision's MNIST expects. Files already there are re-verified.
    """
    source_dir, cache_dir = Path(source_dir), Path(cache_dir)
    raw_dir = cache_dir / "MNIST" / "raw"
    raw_dir.mkdir(parents=True, exist_ok=True)
    for name, expected in SHA256.items():
        target = raw_dir / name
        if not target.exists():
            source = source_dir / f"{name}.gz"
            if not source.exists():
                raise FileNotFoundError(f"MNIST file {source} is missing: the repository ships it under data/mnist/")
            # Write to a temporary file in the same directory, then rename: a crash never leaves half a file.
            fd, tmp = tempfile.mkstemp(dir=raw_dir, prefix=f".{name}.")
            with os.fdopen(fd, "wb") as out, gzip.open(source, "rb") as src:
                shutil.copyfileobj(src, out)
            os.replace(tmp, target)
        verify_sha256(target, expected, "MNIST")
    return cache_dir


@functools.lru_cache(maxsize=4)
def load_mnist(split: str, source_dir: str = str(DEFAULT_SOURCE_DIR), cache_dir: str = str(DEFAULT_CACHE_DIR)):
    """Return ``(images uint8 [N, 28, 28], labels int64 [N])`` of the ``train`` or ``test`` split."""
    if split not in ("train", "test"):
        raise ValueError(f"MNIST split must be 'train' or 'test', got {split!r}")
    from torchvision.datasets import MNIST

    root = prepare_mnist(source_dir, cache_dir)
    dataset = MNIST(str(root), train=split == "train", download=False)
    return dataset.data.clone(), dataset.targets.to(torch.int64).clone()


# the MNIST split that a run's split indexes into (train/val come from MNIST train, test/test_shifted from test)
MNIST_SPLIT = {"train": "train", "val": "train", "test": "test", "test_shifted": "test"}


def mnist_cache_dir() -> str:
    """Where MNIST is decompressed for readers outside a data module: ``siamese.data.shipped_files.cache_root``
    (``$SIAMESE_CACHE`` if set, else the repository's ``.cache``)."""
    return str(cache_root())


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


class MNISTDataModule(ImageDataModule):
    """MNIST restricted to ``digits`` (``ImageDataModule`` with ``dataset="mnist"``; every other key as there:
    ``siamese.data.data_options``).

    - train/val: a seeded random split of the MNIST training images of those digits (``val_fraction`` to val);
    - test: the MNIST test images of those digits; test_shifted: every test image once per shift value;
    - ``shift``: ``values`` (pixels, default -6, -3, +3, +6); ``train: true`` shifts every train batch image by a
      random one of the values (or 0, when ``include_unshifted``); ``train_mode: fixed`` gives every train image
      ONE seeded, stored shift (what a k-NN graph over shifted pixels needs, see ``siamese.miners.KNNMiner``);
    - ``train_classes`` / ``test_classes``: a class-disjoint split (e.g. train on 0-4, test on 5-9); given, they
      replace ``digits`` (whose default would otherwise select 4 and 9 only).
    - ``eval_batch_size`` defaults to 256 (embedding whole splits on the CPU: benchmarks/README.md).
    """

    def __init__(self, digits: Sequence[int] | None = (4, 9), eval_batch_size: int = 256, **keys):
        if keys.get("train_classes") is not None or keys.get("test_classes") is not None:
            digits = None
        if "dataset" in keys:
            raise ParameterError("dataset", keys["dataset"], "MNISTDataModule is always mnist; use ImageDataModule for "
                                 "another dataset")
        super().__init__("mnist", digits=digits, eval_batch_size=eval_batch_size, **keys)
        self.digits = self.class_ids
