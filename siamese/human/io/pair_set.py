"""Pair sets: N image pairs people rate, as ``pairs.npz`` (the images) or ``pairs.csv`` (MNIST positions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from siamese.human.io.common import (
    IMAGE_SHAPE,
    MNIST_SPLITS,
    PAIR_CSV,
    PAIR_NPZ,
    FormatError,
    check_ids,
    check_images,
    fingerprint,
    load_npz,
    parse_int,
    read_csv,
    synthetic_key,
    synthetic_rows,
)


@dataclass
class PairSet:
    """``N`` image pairs: ``images_a``/``images_b`` uint8 ``[N, 28, 28]``, ``pair_id`` (strings), optional
    ``label`` ``[N]`` (digit of the pair, -1 when the two differ) and, for MNIST-referenced sets, ``source``
    (the rows of ``pairs.csv``: split, index_a, index_b, shift_a, shift_b). ``synthetic``: the file marks the pairs
    as generated (``synthetic`` key of ``pairs.npz`` / column of ``pairs.csv``)."""

    pair_id: list[str]
    images_a: np.ndarray
    images_b: np.ndarray
    label: np.ndarray | None = None
    source: list[dict] = field(default_factory=list)
    path: Path | None = None
    synthetic: bool = False

    def __len__(self) -> int:
        return len(self.pair_id)

    @cached_property
    def fingerprint(self) -> str:
        """What every ratings file records (column ``pair_set``): ``common.fingerprint`` of the ids and pixels."""
        return fingerprint(self.pair_id, self.images_a, self.images_b)

    @property
    def file(self) -> Path | None:
        """The file the pairs were read from (``pairs.npz`` or ``pairs.csv`` of ``path``), for messages."""
        if self.path is None:
            return None
        return self.path / PAIR_NPZ if (self.path / PAIR_NPZ).exists() else self.path / PAIR_CSV


def load_pair_set(directory: str | Path, cache_dir: str | Path | None = None) -> PairSet:
    """A pair set directory: ``pairs.npz`` (``images_a``, ``images_b``, ``pair_id``, optional ``label``) or
    ``pairs.csv`` (``pair_id, split, index_a, index_b`` [, ``shift_a, shift_b``, ``synthetic``]) referencing MNIST."""
    directory = Path(directory)
    npz, table = directory / PAIR_NPZ, directory / PAIR_CSV
    if not directory.is_dir():
        raise FormatError(directory, "pair set directory not found")
    if npz.exists() and table.exists():
        raise FormatError(directory, f"holds both {PAIR_NPZ} and {PAIR_CSV}; a pair set has exactly one")
    if npz.exists():
        arrays = load_npz(npz, ("images_a", "images_b", "pair_id"))
        pair_id = check_ids(npz, "pair_id", arrays["pair_id"])
        images_a = check_images(npz, "images_a", arrays["images_a"], len(pair_id))
        images_b = check_images(npz, "images_b", arrays["images_b"], len(pair_id))
        label = None
        if "label" in arrays:
            label = np.asarray(arrays["label"]).reshape(-1)
            if len(label) != len(pair_id) or not np.issubdtype(label.dtype, np.integer):
                raise FormatError(npz, f"key 'label' must hold {len(pair_id)} integers, got {label.dtype} "
                                       f"shape {label.shape}")
        return PairSet(pair_id, images_a, images_b, label, path=directory, synthetic=synthetic_key(npz, arrays))
    if table.exists():
        return _load_pair_csv(table, cache_dir)
    raise FormatError(directory, f"holds neither {PAIR_NPZ} nor {PAIR_CSV}")


def _load_pair_csv(path: Path, cache_dir) -> PairSet:
    rows = read_csv(path, ("pair_id", "split", "index_a", "index_b"))
    if not rows:
        raise FormatError(path, "holds no pairs")
    from siamese.data.mnist import load_mnist, mnist_cache_dir  # torch only when a pairs.csv is read (--help)
    from siamese.data.shift import shift_images

    mnist: dict[str, tuple] = {}
    pair_id, source, seen = [], [], {}
    for line, row in rows:
        if row["pair_id"] in seen:
            raise FormatError(path, f"duplicate pair_id {row['pair_id']!r} (first on row {seen[row['pair_id']]})",
                              row=line)
        seen[row["pair_id"]] = line
        split = row["split"]
        if split not in MNIST_SPLITS:
            raise FormatError(path, f"unknown split {split!r}; use one of {list(MNIST_SPLITS)}", row=line)
        if split not in mnist:
            mnist[split] = load_mnist(split, cache_dir=str(cache_dir or mnist_cache_dir()))
        count = len(mnist[split][0])
        entry = {"split": split, "line": line}
        for key in ("index_a", "index_b"):
            value = parse_int(path, line, key, row[key])
            if not 0 <= value < count:
                raise FormatError(path, f"{key} {value} is outside MNIST {split} (0-{count - 1})", row=line)
            entry[key] = value
        for key in ("shift_a", "shift_b"):
            value = parse_int(path, line, key, row[key]) if row.get(key, "") != "" else 0
            if abs(value) >= IMAGE_SHAPE[1]:
                raise FormatError(path, f"{key} {value} would move the digit out of the 28-pixel image", row=line)
            entry[key] = value
        pair_id.append(row["pair_id"])
        source.append(entry)
    images_a, images_b, label = [], [], []
    for entry in source:
        images, labels = mnist[entry["split"]]
        a, b = images[entry["index_a"]], images[entry["index_b"]]
        images_a.append(shift_images(a[None], entry["shift_a"])[0] if entry["shift_a"] else a)
        images_b.append(shift_images(b[None], entry["shift_b"])[0] if entry["shift_b"] else b)
        la, lb = int(labels[entry["index_a"]]), int(labels[entry["index_b"]])
        label.append(la if la == lb else -1)
    return PairSet(pair_id, np.stack([np.asarray(i) for i in images_a]).astype(np.uint8),
                   np.stack([np.asarray(i) for i in images_b]).astype(np.uint8), np.array(label), source,
                   path=path.parent, synthetic=synthetic_rows(path, rows))
