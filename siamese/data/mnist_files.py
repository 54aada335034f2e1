"""The shipped MNIST idx files: decompress once into a cache in torchvision's layout, verify, load.

The repository ships the four original idx files gzip-compressed under ``data/mnist/`` (see its README for
the licence and attribution). On first use they are decompressed into ``<cache_dir>/MNIST/raw/`` and checked
against the sha256 of the original distribution, so ``torchvision.datasets.MNIST(cache_dir, download=False)``
reads them. Nothing is ever downloaded.
"""

from __future__ import annotations

import functools
import gzip
import os
import shutil
import tempfile
from pathlib import Path

import torch

from siamese.data.checksums import verify_sha256

SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE_DIR = REPO_ROOT / "data" / "mnist"
DEFAULT_CACHE_DIR = REPO_ROOT / ".cache"


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
