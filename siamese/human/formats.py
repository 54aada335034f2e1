"""The human-similarity data formats: pair sets, ratings, similarity matrices and triplets, validated on load.

Every loader raises :class:`FormatError` naming the file, the row (1-based line number of the CSV, the header
being line 1) or key, and the problem. The formats are documented in ``docs/human_similarity.md``.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PAIR_NPZ, PAIR_CSV, RATINGS_CSV = "pairs.npz", "pairs.csv", "ratings.csv"
IMAGE_SHAPE = (28, 28)
DEFAULT_SCALE = (1, 10)
MNIST_SPLITS = ("train", "test")


class FormatError(ValueError):
    """A malformed human-similarity file; the message names the file, the row or key, and the problem."""

    def __init__(self, path, problem: str, row: int | None = None):
        where = f"{path}" + (f", row {row}" if row is not None else "")
        super().__init__(f"{where}: {problem}")
        self.path, self.row, self.problem = str(path), row, problem


def mnist_cache_dir() -> str:
    """Where MNIST is decompressed: ``$SIAMESE_CACHE`` if set (as in the training config), else ``<repo>/.cache``."""
    import os

    from siamese.data.mnist_files import DEFAULT_CACHE_DIR

    return os.environ.get("SIAMESE_CACHE") or str(DEFAULT_CACHE_DIR)


# ----------------------------------------------------------------------------------------------------- CSV helpers
def read_csv(path: str | Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV with a header, as ``(line number, {column: text})``; checks the required columns, the
    number of fields of each row, and that no field of a required column is empty."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(path, "file not found")
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise FormatError(path, "file is empty (expected a header line with columns " + ", ".join(required) + ")")
        header = [name.strip() for name in header]
        missing = [name for name in required if name not in header]
        if missing:
            raise FormatError(path, f"missing column {missing[0]!r} (header is {header}; required: {list(required)})",
                              row=1)
        rows = []
        for record in reader:
            line = reader.line_num
            if not record or all(not value.strip() for value in record):
                continue  # blank line
            if len(record) != len(header):
                raise FormatError(path, f"has {len(record)} fields, the header has {len(header)}", row=line)
            row = {name: value.strip() for name, value in zip(header, record)}
            for name in required:
                if row[name] == "":
                    raise FormatError(path, f"empty value in column {name!r}", row=line)
            rows.append((line, row))
    return rows


def parse_int(path, line: int, column: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise FormatError(path, f"column {column!r} must be an integer, got {text!r}", row=line) from None


def parse_float(path, line: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FormatError(path, f"column {column!r} must be a number, got {text!r}", row=line) from None
    if not math.isfinite(value):
        raise FormatError(path, f"column {column!r} must be finite, got {text!r}", row=line)
    return value


def check_images(path, key: str, images: np.ndarray, n: int | None = None) -> np.ndarray:
    """uint8-convertible ``[N, 28, 28]`` pixel values 0-255."""
    if images.ndim != 3 or images.shape[1:] != IMAGE_SHAPE:
        raise FormatError(path, f"key {key!r} has shape {images.shape}; images must be N x 28 x 28")
    if n is not None and len(images) != n:
        raise FormatError(path, f"key {key!r} holds {len(images)} images, expected {n}")
    if not np.issubdtype(images.dtype, np.number):
        raise FormatError(path, f"key {key!r} has dtype {images.dtype}; pixel values must be numbers 0-255")
    if images.size and (np.nanmin(images) < 0 or np.nanmax(images) > 255 or not np.isfinite(images).all()):
        raise FormatError(path, f"key {key!r} has pixel values outside 0-255 "
                                f"(min {np.nanmin(images)}, max {np.nanmax(images)})")
    if np.issubdtype(images.dtype, np.floating) and np.nanmax(images) <= 1.0 and images.any():
        raise FormatError(path, f"key {key!r} looks scaled to 0-1; pixel values must be 0-255")
    return np.rint(images).astype(np.uint8)


def check_ids(path, key: str, ids, n: int | None = None) -> list[str]:
    ids = [str(i) for i in np.asarray(ids).reshape(-1).tolist()]
    if n is not None and len(ids) != n:
        raise FormatError(path, f"key {key!r} has {len(ids)} ids, expected {n}")
    seen: set[str] = set()
    for position, value in enumerate(ids):
        if value.strip() == "":
            raise FormatError(path, f"key {key!r} has an empty id at position {position}")
        if value in seen:
            raise FormatError(path, f"key {key!r} has duplicate id {value!r} (position {position})")
        seen.add(value)
    return ids


def load_npz(path: str | Path, required: tuple[str, ...]) -> dict[str, np.ndarray]:
    path = Path(path)
    if not path.is_file():
        raise FormatError(path, "file not found")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except Exception as error:  # noqa: BLE001 - a broken zip, a pickled array: all unreadable
        raise FormatError(path, f"not a readable .npz file ({error})") from None
    missing = [key for key in required if key not in arrays]
    if missing:
        raise FormatError(path, f"missing key {missing[0]!r} (keys are {sorted(arrays)}; required: {list(required)})")
    return arrays


# ------------------------------------------------------------------------------------------------------- pair sets
@dataclass
class PairSet:
    """``N`` image pairs: ``images_a``/``images_b`` uint8 ``[N, 28, 28]``, ``pair_id`` (strings), optional
    ``label`` ``[N]`` (digit of the pair, -1 when the two differ) and, for MNIST-referenced sets, ``source``
    (the rows of ``pairs.csv``: split, index_a, index_b, shift_a, shift_b)."""

    pair_id: list[str]
    images_a: np.ndarray
    images_b: np.ndarray
    label: np.ndarray | None = None
    source: list[dict] = field(default_factory=list)
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.pair_id)

    def index_of(self, pair_id: str) -> int:
        return self.pair_id.index(pair_id)


def load_pair_set(directory: str | Path, cache_dir: str | Path | None = None) -> PairSet:
    """A pair set directory: ``pairs.npz`` (``images_a``, ``images_b``, ``pair_id``, optional ``label``) or
    ``pairs.csv`` (``pair_id, split, index_a, index_b`` [, ``shift_a, shift_b``]) referencing MNIST."""
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
        return PairSet(pair_id, images_a, images_b, label, path=directory)
    if table.exists():
        return _load_pair_csv(table, cache_dir)
    raise FormatError(directory, f"holds neither {PAIR_NPZ} nor {PAIR_CSV}")


def _load_pair_csv(path: Path, cache_dir) -> PairSet:
    from siamese.data import load_mnist, shift_images

    rows = read_csv(path, ("pair_id", "split", "index_a", "index_b"))
    if not rows:
        raise FormatError(path, "holds no pairs")
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
                   path=path.parent)


# --------------------------------------------------------------------------------------------------------- ratings
@dataclass
class Ratings:
    """Ratings as a ``[raters, pairs]`` float matrix with NaN where a rater did not rate a pair.

    ``scale`` is the declared (low, high) of the rating scale. ``mean()`` is the mean rating of each pair over
    the raters who rated it (NaN when nobody did)."""

    raters: list[str]
    pair_id: list[str]
    matrix: np.ndarray
    scale: tuple[float, float] = DEFAULT_SCALE

    def mean(self) -> np.ndarray:
        rated = ~np.isnan(self.matrix)
        sums = np.where(rated, self.matrix, 0.0).sum(axis=0)
        counts = rated.sum(axis=0)
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    def counts(self) -> np.ndarray:
        return (~np.isnan(self.matrix)).sum(axis=0)


def load_ratings(path: str | Path, pair_ids: list[str] | None = None,
                 scale: tuple[float, float] = DEFAULT_SCALE) -> Ratings:
    """``ratings.csv`` in long form: ``rater, pair_id, rating`` (+ any other columns).

    Checks: required columns; ratings are numbers within the declared ``scale`` (inclusive); pair ids are in
    ``pair_ids`` (when given); one rating per (rater, pair). An optional ``revision`` column (0, 1, 2, ... as
    written by the rating page when a rater goes back and changes a rating) makes the highest revision of a
    (rater, pair) count; a repeated (rater, pair, revision) is then the error. Missing ratings are allowed.
    """
    path = Path(path)
    low, high = float(scale[0]), float(scale[1])
    if not low < high:
        raise ValueError(f"rating scale must be (low, high) with low < high, got {scale}")
    rows = read_csv(path, ("rater", "pair_id", "rating"))
    known = None if pair_ids is None else set(pair_ids)
    latest: dict[tuple[str, str], tuple[int, float, int]] = {}
    for line, row in rows:
        rating = parse_float(path, line, "rating", row["rating"])
        if not low <= rating <= high:
            raise FormatError(path, f"rating {row['rating']} is outside the scale {low:g}-{high:g}", row=line)
        if known is not None and row["pair_id"] not in known:
            raise FormatError(path, f"unknown pair_id {row['pair_id']!r} (not in the pair set)", row=line)
        revision = parse_int(path, line, "revision", row["revision"]) if row.get("revision", "") != "" else None
        key = (row["rater"], row["pair_id"])
        if key in latest:
            previous_revision, _, previous_line = latest[key]
            if revision is None or previous_revision is None or revision == previous_revision:
                raise FormatError(path, f"duplicate rating of pair {key[1]!r} by rater {key[0]!r} "
                                        f"(first on row {previous_line})", row=line)
            if revision < previous_revision:
                continue
        latest[key] = (revision, rating, line)
    raters = sorted({rater for rater, _ in latest})
    pair_order = list(pair_ids) if pair_ids is not None else sorted({pair for _, pair in latest})
    matrix = np.full((len(raters), len(pair_order)), np.nan)
    rater_index = {r: i for i, r in enumerate(raters)}
    pair_index = {p: i for i, p in enumerate(pair_order)}
    for (rater, pair), (_, rating, _) in latest.items():
        matrix[rater_index[rater], pair_index[pair]] = rating
    return Ratings(raters, pair_order, matrix, (low, high))


# ------------------------------------------------------------------------------------------- matrices and triplets
@dataclass
class ImageSet:
    """Images with ids (``images.npz``), optionally a human ``similarity`` matrix and ``triplets``."""

    image_id: list[str]
    images: np.ndarray
    similarity: np.ndarray | None = None
    triplets: list[tuple[int, int, int, int]] | None = None  # (anchor, a, b, chosen) as image positions


def load_image_set(directory: str | Path) -> ImageSet:
    """``images.npz`` (``images`` N x 28 x 28 in 0-255, ``image_id``) plus, when present, ``similarity.npy``
    or ``similarity.csv`` (N x N, symmetric, rows/columns in ``image_id`` order, no header) and
    ``triplets.csv`` (``anchor, a, b, choice``; choice is ``a`` or ``b``, or the chosen image's id)."""
    directory = Path(directory)
    npz = directory / "images.npz"
    arrays = load_npz(npz, ("images", "image_id"))
    image_id = check_ids(npz, "image_id", arrays["image_id"])
    images = check_images(npz, "images", arrays["images"], len(image_id))
    result = ImageSet(image_id, images)
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


def load_triplets(path: str | Path, image_ids: list[str]) -> list[tuple[int, int, int, int]]:
    """``triplets.csv``: ``anchor, a, b, choice`` (image ids; choice ``a``/``b`` or the chosen id). Returns
    ``(anchor, a, b, chosen)`` positions in ``image_ids``."""
    path = Path(path)
    position = {image: i for i, image in enumerate(image_ids)}
    out = []
    for line, row in read_csv(path, ("anchor", "a", "b", "choice")):
        ids = {}
        for key in ("anchor", "a", "b"):
            if row[key] not in position:
                raise FormatError(path, f"unknown image id {row[key]!r} in column {key!r} (not in images.npz)",
                                  row=line)
            ids[key] = position[row[key]]
        if len({ids["anchor"], ids["a"], ids["b"]}) != 3:
            raise FormatError(path, "anchor, a and b must be three different images", row=line)
        choice = row["choice"]
        if choice in ("a", "b"):
            chosen = ids[choice]
        elif choice in (row["a"], row["b"]):
            chosen = position[choice]
        else:
            raise FormatError(path, f"choice {choice!r} must be 'a', 'b', or the id of a or b", row=line)
        out.append((ids["anchor"], ids["a"], ids["b"], chosen))
    return out


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename: a crash never leaves half a file."""
    import os
    import tempfile

    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, path)


def csv_text(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()
