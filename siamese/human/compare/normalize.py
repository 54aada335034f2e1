"""Per-rater normalization of ratings, applied before the ratings of a pair are averaged.

People use a rating scale differently: one rater's 3 is another's 6, and one spreads over 1-10 while another
keeps to 4-7. Normalizing each rater's ratings removes those offsets and spreads before they are averaged, and
the noise ceiling is then computed on the same normalized matrix (it reads ``Judgments.ratings``).

For rater ``i`` with ratings ``x_ik`` over the ``n_i`` pairs ``k`` they rated (missing ratings stay missing and
take no part):

- ``none``:   ``x_ik`` unchanged.
- ``zscore``: ``(x_ik - m_i) / s_i`` with ``m_i`` the mean and ``s_i`` the population standard deviation
  (``ddof=0``) of that rater's ``n_i`` ratings. A rater whose ratings are all equal (``s_i = 0``, or
  ``n_i = 1``) carries no information about which pairs look more alike: all their ratings become 0 (the
  normalized average) and a warning names them.
- ``rank``:   ``(R_ik - 1) / (n_i - 1)``, with ``R_ik`` the rank of ``x_ik`` among that rater's ratings (1 =
  lowest); tied ratings share the average of the ranks they span (``scipy.stats.rankdata(method="average")``).
  So every rater's ratings lie in [0, 1], lowest 0, highest 1. A rater with one rating gets 0.5.

Worked example, one rater with ratings (2, 4, 4, 10): mean 5, sd sqrt((9 + 1 + 1 + 25) / 4) = 3, so zscore gives
(-1, -1/3, -1/3, 5/3); the ranks are (1, 2.5, 2.5, 4), so rank gives (0, 0.5, 0.5, 1).
"""

from __future__ import annotations

import logging

import numpy as np

from siamese.human.io.judgments import DESCRIPTIONS, NORMALIZATIONS, Judgments

log = logging.getLogger(__name__)

__all__ = ["DESCRIPTIONS", "NORMALIZATIONS", "check_normalization", "normalize_ratings", "normalize_rows"]


def check_normalization(method: str) -> str:
    if method not in NORMALIZATIONS:
        raise ValueError(f"unknown rater normalization {method!r}; choose from {list(NORMALIZATIONS)}")
    return method


def normalize_rows(matrix, method: str, names=None) -> np.ndarray:
    """The ``[raters, pairs]`` matrix (NaN = not rated) with each row normalized by ``method`` (module doc)."""
    check_normalization(method)
    matrix = np.asarray(matrix, dtype=float)
    out = matrix.copy()
    if method == "none":
        return out
    for i, row in enumerate(matrix):
        rated = ~np.isnan(row)
        values = row[rated]
        if len(values) == 0:
            continue
        if method == "zscore":
            sd = values.std()
            if sd == 0:
                log.warning("rater %s gave the same rating to all %d pairs they rated: z-scores set to 0",
                            names[i] if names is not None else i, len(values))
                out[i, rated] = 0.0
            else:
                out[i, rated] = (values - values.mean()) / sd
        else:
            from scipy.stats import rankdata  # scipy.stats costs seconds; the CLI's --help imports this module

            ranks = rankdata(values, method="average")
            out[i, rated] = (ranks - 1) / (len(values) - 1) if len(values) > 1 else 0.5
    return out


def normalize_ratings(judgments: Judgments, method: str = "none") -> Judgments:
    """``judgments`` with every rater's ratings normalized by ``method`` (``none``, ``zscore`` or ``rank``);
    ``normalization`` names it. Raw ratings only: normalizing twice is refused."""
    check_normalization(method)
    if judgments.normalization != "none":
        raise ValueError(f"ratings are already normalized ({judgments.normalization}); normalize the raw ratings")
    if judgments.ratings is None:
        raise ValueError("these judgments hold no ratings to normalize")
    return judgments.with_ratings(normalize_rows(judgments.ratings, method, judgments.raters), method)
