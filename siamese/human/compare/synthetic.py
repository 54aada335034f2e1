"""SYNTHETIC ratings for tests and demos: NOT human data.

The file says so in its content (a ``synthetic`` column, 1 on every row: ``Ratings.synthetic`` after loading) and,
for people browsing a folder, in its name (``*synthetic*``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siamese.human.compare.similarity import pixel_similarity
from siamese.human.compare.stats import minmax
from siamese.human.io.common import SYNTHETIC
from siamese.human.io.pair_set import PairSet
from siamese.utils.files import csv_text, write_text_atomic


def synthetic_ratings(pairs: PairSet, path: str | Path, n_raters: int = 4, noise: float = 1.0, seed: int = 0,
                      missing: float = 0.0) -> Path:
    """Write SYNTHETIC ratings generated from pixel cosine similarity plus noise (not from people).

    rating = clip(round(1 + 9 * minmax(pixel cosine) + N(0, noise)), 1, 10) per rater; each rating is left out
    with probability ``missing``. Columns ``rater, pair_id, rating, pair_set, synthetic`` with ``synthetic`` = 1 on
    every row and ``pair_set`` = ``pairs.fingerprint``;
the file name must contain ``synthetic`` as well, so a person never takes it for real data."""
    path = Path(path)
    if "synthetic" not in path.name:
        raise ValueError(f"synthetic ratings must be written to a file named *synthetic* (got {path.name!r})")
    rng = np.random.default_rng(seed)
    truth = 1 + 9 * minmax(pixel_similarity(pairs.images_a, pairs.images_b))
    rows = []
    for rater in range(n_raters):
        ratings = np.clip(np.rint(truth + rng.normal(0, noise, size=len(truth))), 1, 10).astype(int)
        for k, pair in enumerate(pairs.pair_id):
            if rng.random() >= missing:
                rows.append([f"synthetic_rater_{rater + 1}", pair, int(ratings[k]), pairs.fingerprint, 1])
    write_text_atomic(path, csv_text(["rater", "pair_id", "rating", "pair_set", SYNTHETIC], rows))
    return path
