"""Image sets: ``images.npz`` with ids, optionally a human similarity matrix and 2AFC triplets."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siamese.human.io.common import (
    FormatError,
    check_ids,
    check_images,
    load_npz,
    parse_float,
    synthetic_key,
)
from siamese.human.io.triplets import load_triplets


@dataclass
class ImageSet:
    """Images with ids (``images.npz``), optionally a human ``similarity`` matrix and ``triplets``."""

    image_id: list[str]
    images: np.ndarray
    similarity: np.ndarray | None = None
    triplets: list[tuple[int, int, int, int]] | None = None  # (anchor, a, b, chosen) as image positions
    synthetic: bool = False  # images.npz holds a true ``synthetic`` key: generated data, not people's


def load_image_set(directory: str | Path) -> ImageSet:
    """``images.npz`` (``images`` N x 28 x 28 in 0-255, ``image_id``) plus, when present, ``similarity.npy``
    or ``similarity.csv`` (N x N, symmetric, rows/columns in ``image_id`` order, no header) and
    ``triplets.csv`` (``anchor, a, b, choice``; choice is ``a`` or ``b``, or the chosen image's id)."""
    directory = Path(directory)
    npz = directory / "images.npz"
    arrays = load_npz(npz, ("images", "image_id"))
    image_id = check_ids(npz, "image_id", arrays["image_id"])
    images = check_images(npz, "images", arrays["images"], len(image_id))
    result = ImageSet(image_id, images, synthetic=synthetic_key(npz, arrays))
    n = len(image_id)
    npy, table = directory / "similarity.npy", directory / "similarity.csv"
    if npy.exists() and table.exists():
        raise FormatError(directory, "holds both similarity.npy and similarity.csv; keep one")
    if npy.exists():
        try:
            matrix = np.load(npy, allow_pickle=False)
        except Exception as error:  # noqa: BLE001
            raise FormatError(npy, f"not a readable .npy file ({error})") from None
        result.similarity = _check_matrix(npy, np.asarray(matrix, dtype=float), n)
    elif table.exists():
        result.similarity = _check_matrix(table, _read_matrix_csv(table, n), n)
    triplets = directory / "triplets.csv"
    if triplets.exists():
        result.triplets = load_triplets(triplets, image_id)
    return result


def _read_matrix_csv(path: Path, n: int) -> np.ndarray:
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for line, record in enumerate(csv.reader(f), start=1):
            if not record:
                continue
            if len(record) != n:
                raise FormatError(path, f"has {len(record)} values; the matrix must be {n} x {n} "
                                        f"(one row and column per image of images.npz)", row=line)
            rows.append([parse_float(path, line, f"column {c + 1}", v) for c, v in enumerate(record)])
    return np.array(rows, dtype=float).reshape(len(rows), n) if rows else np.zeros((0, n))


def _check_matrix(path, matrix: np.ndarray, n: int) -> np.ndarray:
    if matrix.shape != (n, n):
        raise FormatError(path, f"has shape {matrix.shape}; the matrix must be {n} x {n} (images.npz holds {n})")
    if not np.isfinite(matrix).all():
        row = int(np.argwhere(~np.isfinite(matrix))[0][0])
        raise FormatError(path, "holds a non-finite value", row=row + 1)
    asymmetric = np.argwhere(~np.isclose(matrix, matrix.T))
    if len(asymmetric):
        i, j = asymmetric[0]
        raise FormatError(path, f"is not symmetric: [{i}, {j}] = {matrix[i, j]} but [{j}, {i}] = {matrix[j, i]}",
                          row=int(i) + 1)
    return matrix
