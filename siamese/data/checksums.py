"""The sha256 check of shipped data files (MNIST idx files, Omniglot zips): one implementation for every dataset.

A shipped file is checked against the sha256 of its original distribution before its contents are used, so a
truncated copy or a changed file fails with the file named instead of training on wrong data.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of the file at ``path``, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_sha256(path: str | Path, expected: str, dataset: str) -> str:
    """Return the sha256 of ``path``; raise ``ValueError`` naming the file when it is not ``expected`` (the hex
    digest of the original ``dataset`` file)."""
    actual = sha256_of(path)
    if actual != expected:
        raise ValueError(f"{path}: sha256 {actual} does not match the original {dataset} file ({expected})")
    return actual
