"""SYNTHETIC ratings for tests and demos: NOT human data. Files written here are named ``*synthetic*``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siamese.human.formats import PairSet, csv_text, write_text_atomic
from siamese.human.similarity import pixel_similarity
from siamese.human.stats import minmax


def synthetic_ratings(pairs: PairSet, path: str | Path, n_raters: int = 4, noise: float = 1.0, seed: int = 0,
                      missing: float = 0.0) -> Path:
    """Write SYNTHETIC ratings generated from pixel cosine similarity plus noise (not from people).

    rating = clip(round(1 + 9 * minmax(pixel cosine) + N(0, noise)), 1, 10) per rater; each rating is left out
    with probability ``missing``. The file name must contain ``synthetic`` so it is never taken for real data."""
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
                rows.append([f"synthetic_rater_{rater + 1}", pair, int(ratings[k])])
    write_text_atomic(path, csv_text(["rater", "pair_id", "rating"], rows))
    return path
