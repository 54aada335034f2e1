"""What every human-similarity format shares: :class:`FormatError`, CSV and npz reading, value checks, and the
SYNTHETIC flag.

Every loader raises :class:`FormatError` naming the file, the row (1-based line number of the CSV, the header
being line 1) or key, and the problem. The formats are documented in ``docs/human_similarity.md``.

SYNTHETIC data (generated, not given by people) says so in its own content: a CSV has a ``synthetic`` column
(``1`` on its rows), an npz a ``synthetic`` key (a true scalar). The loaded object's ``synthetic`` is then True and
every output made from it is labelled SYNTHETIC; the file name plays no part.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from pathlib import Path

import numpy as np

PAIR_NPZ, PAIR_CSV, RATINGS_CSV = "pairs.npz", "pairs.csv", "ratings.csv"
STUDY_FILES = (PAIR_NPZ, PAIR_CSV, RATINGS_CSV, "images.npz", "trials.csv", "choices.csv")  # what make-* may destroy
SYNTHETIC = "synthetic"  # the column (CSV) or key (npz) that marks generated data
IMAGE_SHAPE = (28, 28)
DEFAULT_SCALE = (1, 10)
MNIST_SPLITS = ("train", "test")


class FormatError(ValueError):
    """A malformed human-similarity file; the message names the file, the row or key, and the problem."""

    def __init__(self, path, problem: str, row: int | None = None):
        where = f"{path}" + (f", row {row}" if row is not None else "")
        super().__init__(f"{where}: {problem}")
        self.path, self.row, self.problem = str(path), row, problem


# ----------------------------------------------------------------------------------------------------- CSV helpers
def read_csv(path: str | Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV with a header, as ``(line number, {column: text})``; checks the required columns, the
    number of fields of each row, and that no field of a required column is empty."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(path, "file not found")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # a BOM (as spreadsheets save "CSV UTF-8") is accepted and dropped
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise FormatError(path, f"not UTF-8 text (byte 0x{raw[error.start]:02x} at byte {error.start}); it looks "
                                "like Latin-1 / Windows-1252. Save it as 'CSV UTF-8', or convert it: "
                                f"iconv -f latin1 -t utf-8 {path.name} > utf8_{path.name}", row=line) from None
    with io.StringIO(text, newline="") as f:
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
    """uint8-convertible pixel values 0-255, grey ``[N, H, W]`` (28 x 28 digits, or any size) or RGB
    ``[N, H, W, 3]`` (an alpha channel, ``[N, H, W, 4]``, is dropped)."""
    if images.ndim == 4 and images.shape[-1] == 4:
        images = images[..., :3]
    if not (images.ndim == 3 or (images.ndim == 4 and images.shape[-1] == 3)) or min(images.shape[1:3]) < 1:
        raise FormatError(path, f"key {key!r} has shape {images.shape}; images must be N x H x W (grey) or "
                                f"N x H x W x 3 (RGB)")
    if n is not None and len(images) != n:
        raise FormatError(path, f"key {key!r} holds {len(images)} images, expected {n}")
    if not np.issubdtype(images.dtype, np.number):
        raise FormatError(path, f"key {key!r} has dtype {images.dtype}; pixel values must be numbers 0-255")
    finite = np.isfinite(images)
    if not finite.all():
        first = np.argwhere(~finite)[0]
        kind = "NaN" if np.isnan(images[tuple(first)]) else "infinite"
        raise FormatError(path, f"key {key!r} has {(~finite).sum()} NaN or infinite pixel values (first: {kind} in "
                                f"image {first[0]}, row {first[1]}, column {first[2]}); pixel values must be numbers "
                                "0-255")
    if images.size and (np.nanmin(images) < 0 or np.nanmax(images) > 255):
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


def latest_answers(path, rows: list[tuple[int, dict[str, str]]], key_columns: tuple[str, str], what: str
                   ) -> dict[tuple[str, str], tuple[int, dict[str, str]]]:
    """"The latest answer of a rater wins": of the rows of one key (e.g. ``("rater", "pair_id")``), the one with the
    highest ``revision`` (an integer column; empty or absent counts as 0), as ``{key: (line, row)}`` in order of
    first appearance. A rater who changes an answer writes a new row with the next revision, so nothing is ever
    overwritten in the file. Two rows of one key with the same revision are an error naming both rows; ``what``
    words the key in it (``"rating of pair {1!r} by rater {0!r}"``, formatted with the key)."""
    latest: dict[tuple[str, str], tuple[int, int, dict[str, str]]] = {}
    for line, row in rows:
        revision = parse_int(path, line, "revision", row["revision"]) if row.get("revision", "") != "" else 0
        key = (row[key_columns[0]], row[key_columns[1]])
        if key in latest and latest[key][0] == revision:
            said = f" with revision {revision}" if "revision" in row else ""
            raise FormatError(path, f"duplicate {what.format(*key)}{said} (first on row {latest[key][1]})", row=line)
        if key not in latest or revision > latest[key][0]:
            latest[key] = (revision, line, row)
    return {key: (line, row) for key, (_, line, row) in latest.items()}


# ------------------------------------------------------------------------------------------------- fingerprints
def fingerprint(*parts) -> str:
    """The first 16 hex digits of the SHA-256 of ``parts`` (strings, lists of strings, numpy arrays; each with its
    kind, dtype and shape), so two sets of pairs or trials with the same ids but other images differ."""
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray):
            array = np.ascontiguousarray(part)
            digest.update(f"array {array.dtype.str} {array.shape}\n".encode())
            digest.update(array.tobytes())
        else:
            items = [part] if isinstance(part, str) else [str(item) for item in part]
            digest.update(("text " + "\0".join(items) + "\n").encode("utf-8"))
    return digest.hexdigest()[:16]


def check_fingerprint(path, rows: list[tuple[int, dict[str, str]]], column: str, expected: str, source) -> None:
    """Every row of an answers file (ratings, choices) whose ``column`` is filled must name the ``expected``
    fingerprint of the pair or trial set ``source`` (a file) it is read with; the error names both files. Rows
    without the column (files written by hand or by older versions) cannot be checked and are accepted."""
    for line, row in rows:
        recorded = row.get(column, "")
        if recorded and recorded != expected:
            raise FormatError(path, f"was answered on {column.replace('_', ' ')} {recorded}, but {source} is "
                                    f"{column.replace('_', ' ')} {expected} (it was redrawn after these answers); "
                                    f"read it with the set it was answered on, or collect new answers in a new file",
                              row=line)


# ------------------------------------------------------------------------------------------------ SYNTHETIC flag
TRUE_TEXT, FALSE_TEXT = ("1", "true", "yes"), ("0", "false", "no", "")


def synthetic_rows(path, rows: list[tuple[int, dict[str, str]]]) -> bool:
    """True when any row's ``synthetic`` column is 1/true/yes (0/false/no/empty: not); other text is an error."""
    marked = False
    for line, row in rows:
        text = row.get(SYNTHETIC, "").strip().lower()
        if text not in TRUE_TEXT + FALSE_TEXT:
            raise FormatError(path, f"column {SYNTHETIC!r} must be 1/true/yes or 0/false/no, got {row[SYNTHETIC]!r}",
                              row=line)
        marked |= text in TRUE_TEXT
    return marked


def synthetic_key(path, arrays: dict[str, np.ndarray]) -> bool:
    """True when an npz holds a ``synthetic`` key whose (scalar) value is true."""
    if SYNTHETIC not in arrays:
        return False
    value = np.asarray(arrays[SYNTHETIC])
    if value.size != 1 or value.dtype.kind not in "biu":
        raise FormatError(path, f"key {SYNTHETIC!r} must be one boolean (True for generated data), got "
                                f"{value.dtype} shape {value.shape}")
    return bool(value.reshape(-1)[0])

