"""What every dataset shipped in the repository (``data/mnist``, ``data/omniglot``) shares: where the repository and
the decode cache are, and the sha256 check of the shipped files.

The cache (decompressed or decoded copies, made once on first use) is ``cache_dir`` when given, else
``$SIAMESE_CACHE``, else ``<repo>/.cache``. A shipped file is checked against the sha256 of its original
distribution before its contents are used, so a truncated copy or a changed file fails with the file named
instead of training on wrong data.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CACHE_DIR = REPO_ROOT / ".cache"


def cache_root(cache_dir: str | Path | None = None) -> Path:
    """``cache_dir``, else ``$SIAMESE_CACHE``, else ``<repo>/.cache``."""
    return Path(cache_dir or os.environ.get("SIAMESE_CACHE") or DEFAULT_CACHE_DIR)


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
