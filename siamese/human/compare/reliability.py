"""Test-retest reliability from the trials a study shows twice to the same person, and the ceiling it implies.

Ratings: every (rater, pair) with both a first rating ``x`` and a repeated one ``y`` (``Judgments.retest``) is one
point; the reliability is Pearson's r over all points, pooled across raters::

    r_tt = sum((x - mean x)(y - mean y)) / sqrt(sum((x - mean x)^2) sum((y - mean y)^2))

It is one rater's reliability. The mean of ``k`` raters (``k`` = the mean number of raters per pair) has the
Spearman-Brown reliability ``r_k = k r_tt / (1 + (k - 1) r_tt)``, and no model can correlate with that mean better
than ``sqrt(r_k)``: the test-retest **ceiling** of ``eval``'s correlation (beside the split-half ceiling).

Triplets (2AFC, odd-one-out): the **agreement** is the fraction of repeated answers (``repeat``) equal to the same
rater's first answer to that trial; chance is 1/2 (2AFC) or 1/3 (odd-one-out). Agreement is the accuracy with which
a person predicts themselves, the ceiling of a model's accuracy on single answers.
"""

from __future__ import annotations

import numpy as np

from siamese.human.compare.stats import pearson, spearman_brown
from siamese.human.io.judgments import TWO_AFC, Judgments


def rating_reliability(judgments: Judgments) -> dict:
    """``{"repeats", "r", "raters_per_pair", "r_mean", "ceiling"}`` of the module docstring (NaN when < 3 points)."""
    if judgments.ratings is None or judgments.retest is None:
        raise ValueError("these judgments hold no repeated ratings (retest)")
    both = ~np.isnan(judgments.ratings) & ~np.isnan(judgments.retest)
    n = int(both.sum())
    x, y = judgments.ratings[both], judgments.retest[both]
    r = pearson(x, y) if n >= 3 and x.std() > 0 and y.std() > 0 else float("nan")
    counts = judgments.counts()
    k = float(counts[counts > 0].mean()) if (counts > 0).any() else float("nan")
    r_mean = spearman_brown(r, k) if np.isfinite(r) and k > 0 else float("nan")
    return {"repeats": n, "r": float(r), "raters_per_pair": k, "r_mean": float(r_mean),
            "ceiling": float(np.sqrt(r_mean)) if np.isfinite(r_mean) and r_mean > 0 else float("nan")}


def triplet_agreement(judgments: Judgments) -> dict:
    """``{"repeats", "agreement", "chance"}`` of the module docstring."""
    answers = judgments.two_afc if judgments.two_afc is not None else judgments.odd_one_out
    if answers is None or answers.repeat is None:
        raise ValueError("these judgments hold no repeated triplet answers")
    first = {(r, t): c for r, t, c, rep in zip(answers.rater, answers.trial, answers.chosen, answers.repeat)
             if not rep}
    pairs = [(first[(r, t)], c) for r, t, c, rep in zip(answers.rater, answers.trial, answers.chosen, answers.repeat)
             if rep and (r, t) in first]
    agreement = float(np.mean([a == b for a, b in pairs])) if pairs else float("nan")
    return {"repeats": len(pairs), "agreement": agreement, "chance": 0.5 if answers.task == TWO_AFC else 1 / 3}


def test_retest(judgments: Judgments) -> dict:
    """:func:`rating_reliability` for ratings, :func:`triplet_agreement` for triplet answers."""
    return rating_reliability(judgments) if judgments.ratings is not None else triplet_agreement(judgments)


test_retest.__test__ = False  # a statistic, not a pytest test
