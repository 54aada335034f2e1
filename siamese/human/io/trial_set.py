"""Triplet (2AFC) trial sets and the choices people made on them, validated on load.

A trial set is a directory with
- ``images.npz``: ``images`` uint8 [N, 28, 28] and ``image_id`` (the image-set format, docs/human_similarity.md);
- ``trials.csv``: ``trial_id, anchor, a, b`` (image ids): "which of a and b looks more like the anchor?".
The rating page in 2AFC mode appends each answer to ``choices.csv`` (``CHOICE_COLUMNS``: ``rater, trial_id,
anchor, a, b, choice, revision, time, trial_set``; ``choice`` is ``a`` or ``b``; ``trial_set`` is the trial set's
``fingerprint``, so the answers are never read with a trial set redrawn after them). A changed answer is a new
row with the next ``revision``; ``load_choices`` keeps the highest revision of each (rater, trial). The ``anchor,
a, b, choice`` columns are those of ``triplets.csv``, so the triplet agreement and the 2AFC objective read them
directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from siamese.human.io.common import (
    FormatError,
    check_fingerprint,
    check_ids,
    check_images,
    fingerprint,
    latest_answers,
    load_npz,
    read_csv,
)

TRIALS_CSV, CHOICES_CSV, IMAGES_NPZ = "trials.csv", "choices.csv", "images.npz"
CHOICE_COLUMNS = ["rater", "trial_id", "anchor", "a", "b", "choice", "revision", "time", "trial_set"]
ANSWER_TO = "answer to trial {1!r} by rater {0!r}"  # how an error names a (rater, trial_id) key


@dataclass
class TrialSet:
    """``image_id`` / ``images`` of ``images.npz`` and the trials as positions into them:
    ``trial_id`` [T], ``anchor``, ``a``, ``b`` (int arrays [T])."""

    image_id: list[str]
    images: np.ndarray
    trial_id: list[str]
    anchor: np.ndarray
    a: np.ndarray
    b: np.ndarray
    path: Path | None = None

    def __len__(self) -> int:
        return len(self.trial_id)

    @cached_property
    def fingerprint(self) -> str:
        """What every choices file records (column ``trial_set``): ``common.fingerprint`` of images and trials."""
        return fingerprint(self.image_id, self.images, self.trial_id, self.anchor, self.a, self.b)

    def ids_of(self, trial: int) -> tuple[str, str, str]:
        return self.image_id[self.anchor[trial]], self.image_id[self.a[trial]], self.image_id[self.b[trial]]


def load_trial_set(directory: str | Path) -> TrialSet:
    directory = Path(directory)
    if not directory.is_dir():
        raise FormatError(directory, "trial set directory not found")
    npz = directory / IMAGES_NPZ
    arrays = load_npz(npz, ("images", "image_id"))
    image_id = check_ids(npz, "image_id", arrays["image_id"])
    images = check_images(npz, "images", arrays["images"], len(image_id))
    position = {image: k for k, image in enumerate(image_id)}
    table = directory / TRIALS_CSV
    if not table.is_file():
        raise FormatError(directory, f"holds no {TRIALS_CSV} (trial_id, anchor, a, b)")
    trial_id, columns, seen = [], {"anchor": [], "a": [], "b": []}, {}
    for line, row in read_csv(table, ("trial_id", "anchor", "a", "b")):
        if row["trial_id"] in seen:
            raise FormatError(table, f"duplicate trial_id {row['trial_id']!r} (first on row {seen[row['trial_id']]})",
                              row=line)
        seen[row["trial_id"]] = line
        for key, positions in columns.items():
            if row[key] not in position:
                raise FormatError(table, f"unknown image id {row[key]!r} in column {key!r} (not in {IMAGES_NPZ})",
                                  row=line)
            positions.append(position[row[key]])
        if len({columns[key][-1] for key in columns}) != 3:
            raise FormatError(table, "anchor, a and b must be three different images", row=line)
        trial_id.append(row["trial_id"])
    if not trial_id:
        raise FormatError(table, "holds no trials")
    return TrialSet(image_id, images, trial_id, *(np.array(columns[key]) for key in ("anchor", "a", "b")),
                    path=directory)


@dataclass
class Choices:
    """The latest answer of each (rater, trial): ``rater`` [C], ``trial`` (positions in the trial set) [C] and
    ``chose_a`` [C] (1 when a was chosen as more like the anchor)."""

    rater: list[str]
    trial: np.ndarray
    chose_a: np.ndarray

    def triplets(self, trials: TrialSet) -> list[tuple[int, int, int, int]]:
        """``(anchor, a, b, chosen)`` image positions, the convention of ``load_triplets`` / ``triplet_agreement``."""
        return [(int(trials.anchor[t]), int(trials.a[t]), int(trials.b[t]),
                 int(trials.a[t] if c else trials.b[t])) for t, c in zip(self.trial, self.chose_a)]


def load_choices(path: str | Path, trials: TrialSet) -> Choices:
    """``choices.csv`` of the 2AFC page: checks that every trial exists and that its ``anchor, a, b`` are the trial
    set's, ``choice`` is ``a`` or ``b``, the ``trial_set`` column (when there) is ``trials.fingerprint``;
    the latest answer of a rater wins (``latest_answers``: the highest ``revision`` of each (rater, trial))."""
    path = Path(path)
    index = {trial: k for k, trial in enumerate(trials.trial_id)}
    rows = read_csv(path, ("rater", "trial_id", "anchor", "a", "b", "choice"))
    check_fingerprint(path, rows, "trial_set", trials.fingerprint, trials.path / TRIALS_CSV if trials.path else
                      "the trial set")
    for line, row in rows:
        trial = row["trial_id"]
        if trial not in index:
            raise FormatError(path, f"unknown trial_id {trial!r} (not in {TRIALS_CSV})", row=line)
        if (row["anchor"], row["a"], row["b"]) != trials.ids_of(index[trial]):
            raise FormatError(path, f"trial {trial!r} shows {(row['anchor'], row['a'], row['b'])} here but "
                                    f"{trials.ids_of(index[trial])} in {TRIALS_CSV}", row=line)
        if row["choice"] not in ("a", "b"):
            raise FormatError(path, f"choice {row['choice']!r} must be 'a' or 'b'", row=line)
    latest = {key: row["choice"] == "a" for key, (_, row) in
              latest_answers(path, rows, ("rater", "trial_id"), ANSWER_TO).items()}
    keys = sorted(latest)
    return Choices([rater for rater, _ in keys], np.array([index[t] for _, t in keys], dtype=int),
                   np.array([latest[k] for k in keys], dtype=np.float32))
