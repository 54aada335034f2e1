"""The THINGS odd-one-out format (Hebart et al. 2020, 2023), read from a local copy into :class:`Judgments`.

A triplet file (``train_90.txt``, ``test_10.txt``, ``validationset.txt``, ``trainset.txt``, ``testset1.txt``, ...)
holds one answer per line: three object indices separated by whitespace, **0-based**, the first two the pair the
person kept together and the **last the odd one out** (the layout the SPoSE / VICE code reads with
``numpy.loadtxt``; files written by ``numpy.savetxt`` spell the integers as floats, ``1.000000000000000000e+00``,
which are accepted when they are whole numbers). The files name no rater and no reaction time.

An index is a position in the list of objects in THINGS order (the 1,854 concepts, alphabetical). The local copy
pairs the files with an image set: a directory holding ``images.npz`` (``images``, ``image_id``; the image-set
format of docs/human_similarity.md) whose k-th image is object k, and the triplet files beside it. Each line
becomes one trial; a triplet of the same three objects asked again (a repeat) is another trial, which is what the
noise ceiling of ``siamese.human.compare.odd_one_out`` reads.

(The 4.7-million-triplet release also ships tab-separated tables with participant ids; their column layout could
not be confirmed here, so they are not read: convert them to the layout above, one answer per line.)
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from siamese.human.io.common import FormatError, check_ids, check_images, load_npz, synthetic_key
from siamese.human.io.judgments import ODD_ONE_OUT, Judgments

IMAGES_NPZ = "images.npz"


def read_things_triplets(path: str | Path, n_objects: int | None = None) -> np.ndarray:
    """int64 ``[T, 3]`` of a THINGS triplet file (module doc: the last column is the odd one). Blank lines are
    skipped. A line without exactly three whole numbers, an index outside ``[0, n_objects)`` or a line naming
    an object twice is a ``FormatError`` naming the file and line."""
    return _read_numbered(path, n_objects)[0]


def _read_numbered(path: str | Path, n_objects: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``read_things_triplets`` and the 1-based line number of each triplet."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(path, "file not found")
    try:
        text = path.read_text(encoding="ascii")
    except UnicodeDecodeError:
        raise FormatError(path, "not a THINGS triplet file (expected ASCII digits: three indices per line)") from None
    lines = text.splitlines()
    numbered = [(k + 1, line) for k, line in enumerate(lines) if line.strip()]
    if not numbered:
        raise FormatError(path, "holds no triplets")
    values = None
    if all(len(line.split()) == 3 for _, line in numbered):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fromstring stops (and warns) at a bad token
                values = np.fromstring(text, dtype=np.float64, sep=" ")  # 10x faster than float() per token
        except ValueError:
            values = None
        if values is not None and len(values) != 3 * len(numbered):
            values = None
    if values is None:  # find the first offending line, for the message
        for line_no, line in numbered:
            fields = line.split()
            if len(fields) != 3:
                raise FormatError(path, f"expected 3 object indices, got {len(fields)} fields: {line.strip()!r}",
                                  row=line_no)
            for field in fields:
                try:
                    float(field)
                except ValueError:
                    raise FormatError(path, f"object index {field!r} is not a number", row=line_no) from None
    values = values.reshape(-1, 3)
    whole = np.isfinite(values) & (values == np.round(values))
    low, high = 0, (n_objects if n_objects is not None else np.inf)
    bad = ~whole.all(axis=1) | (values < low).any(axis=1) | (values >= high).any(axis=1)
    triplets = np.where(whole, values, -1).astype(np.int64)
    repeated = (triplets[:, 0] == triplets[:, 1]) | (triplets[:, 0] == triplets[:, 2]) | \
        (triplets[:, 1] == triplets[:, 2])
    problem = np.flatnonzero(bad | repeated)
    if len(problem):
        k = int(problem[0])
        line_no, line = numbered[k]
        if not whole[k].all():
            why = "object indices must be whole numbers"
        elif bad[k]:
            why = f"object index out of range [0, {n_objects}) (0-based; {n_objects} objects in {IMAGES_NPZ})"
        else:
            why = "a triplet must name three different objects"
        raise FormatError(path, f"{why}: {line.strip()!r}", row=line_no)
    return triplets, np.array([line_no for line_no, _ in numbered], dtype=np.int64)


def write_things_triplets(path: str | Path, triplets) -> Path:
    """Write ``[T, 3]`` indices (odd one last) in the THINGS layout: one triplet per line, space-separated."""
    from siamese.utils.files import write_bytes_atomic

    triplets = np.asarray(triplets, dtype=np.int64).reshape(-1, 3)
    text = "".join(f"{i} {j} {k}\n" for i, j, k in triplets.tolist())
    path = Path(path)
    write_bytes_atomic(path, text.encode("ascii"))
    return path


def read_things(directory: str | Path, files=None) -> Judgments:
    """Odd-one-out judgments of a local THINGS copy (module doc): ``images.npz`` of ``directory`` and the triplet
    ``files`` (names inside ``directory`` or paths; default every ``*.txt`` there, sorted). Trial ids are
    ``<file stem>:<line>``; the rater is unknown (``""``); ``synthetic`` when ``images.npz`` says so."""
    directory = Path(directory)
    npz = directory / IMAGES_NPZ
    arrays = load_npz(npz, ("images", "image_id"))
    image_id = check_ids(npz, "image_id", arrays["image_id"])
    images = check_images(npz, "images", arrays["images"], len(image_id))
    paths = sorted(directory.glob("*.txt")) if files is None else \
        [Path(f) if Path(f).is_absolute() or Path(f).exists() else directory / f for f in files]
    if not paths:
        raise FormatError(directory, "holds no THINGS triplet files (*.txt: three 0-based indices per line, "
                                     "odd one last)")
    parts, trial_id = [], []
    for path in paths:
        triplets, lines = _read_numbered(path, len(image_id))
        parts.append(triplets)
        trial_id += [f"{path.stem}:{line}" for line in lines.tolist()]
    triplets = np.concatenate(parts)
    return Judgments.from_triplets(images, image_id, ODD_ONE_OUT, triplets, triplets[:, 2], trial_id=trial_id,
                                   synthetic=synthetic_key(npz, arrays), path=directory)
