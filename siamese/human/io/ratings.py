"""Ratings: ``ratings.csv`` in long form (rater, pair_id, rating), the matrix of raters x pairs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from siamese.human.io.common import (
    DEFAULT_SCALE,
    FormatError,
    check_fingerprint,
    latest_answers,
    parse_float,
    read_csv,
    synthetic_rows,
)
from siamese.human.io.pair_set import PairSet

RATING_OF = "rating of pair {1!r} by rater {0!r}"  # how an error names a (rater, pair_id) key


@dataclass
class Ratings:
    """Ratings as a ``[raters, pairs]`` float matrix with NaN where a rater did not rate a pair.

    ``scale`` is the declared (low, high) of the rating scale. ``mean()`` is the mean rating of each pair over
    the raters who rated it (NaN when nobody did). ``synthetic``: the file marks the ratings as generated (a
    ``synthetic`` column, 1 on its rows), not given by people."""

    raters: list[str]
    pair_id: list[str]
    matrix: np.ndarray
    scale: tuple[float, float] = DEFAULT_SCALE
    synthetic: bool = False

    def mean(self) -> np.ndarray:
        rated = ~np.isnan(self.matrix)
        sums = np.where(rated, self.matrix, 0.0).sum(axis=0)
        counts = rated.sum(axis=0)
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)

    def counts(self) -> np.ndarray:
        return (~np.isnan(self.matrix)).sum(axis=0)


def load_ratings(path: str | Path, pairs: PairSet | list[str] | None = None,
                 scale: tuple[float, float] = DEFAULT_SCALE) -> Ratings:
    """``ratings.csv`` in long form: ``rater, pair_id, rating`` (+ any other columns), read with its pair set
    ``pairs`` (a :class:`PairSet`; or only its pair ids, a list; or None: any pair ids).

    Checks: required columns; ratings are numbers within the declared ``scale`` (inclusive); pair ids are in
    the pair set (when given); a ``pair_set`` column (the rating page writes one) names the ``PairSet.fingerprint``
    of ``pairs``, so ratings are never read with pairs redrawn after them (the error names both files); the latest
    answer of a rater wins (``latest_answers``: the highest ``revision`` of a (rater, pair), as the rating page
    writes when a rater goes back; a repeated (rater, pair, revision) is the error). Missing ratings are allowed. A
    ``synthetic`` column with 1 marks generated ratings (``Ratings.synthetic``).
    """
    path = Path(path)
    low, high = float(scale[0]), float(scale[1])
    if not low < high:
        raise ValueError(f"rating scale must be (low, high) with low < high, got {scale}")
    rows = read_csv(path, ("rater", "pair_id", "rating"))
    pair_ids = pairs.pair_id if isinstance(pairs, PairSet) else pairs
    if isinstance(pairs, PairSet):
        check_fingerprint(path, rows, "pair_set", pairs.fingerprint, pairs.file or "the pair set")
    known = None if pair_ids is None else set(pair_ids)
    for line, row in rows:
        rating = parse_float(path, line, "rating", row["rating"])
        if not low <= rating <= high:
            raise FormatError(path, f"rating {row['rating']} is outside the scale {low:g}-{high:g}", row=line)
        if known is not None and row["pair_id"] not in known:
            raise FormatError(path, f"unknown pair_id {row['pair_id']!r} (not in the pair set)", row=line)
    latest = {key: float(row["rating"]) for key, (_, row) in
              latest_answers(path, rows, ("rater", "pair_id"), RATING_OF).items()}
    raters = sorted({rater for rater, _ in latest})
    pair_order = list(pair_ids) if pair_ids is not None else sorted({pair for _, pair in latest})
    matrix = np.full((len(raters), len(pair_order)), np.nan)
    rater_index = {r: i for i, r in enumerate(raters)}
    pair_index = {p: i for i, p in enumerate(pair_order)}
    for (rater, pair), rating in latest.items():
        matrix[rater_index[rater], pair_index[pair]] = rating
    return Ratings(raters, pair_order, matrix, (low, high), synthetic_rows(path, rows))
