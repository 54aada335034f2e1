"""Why a correlation or a noise ceiling is undefined (NaN), in one sentence for the tables and the console.

A Pearson or Spearman correlation needs two or more pairs where both sides are finite and neither side is constant
over them (``stats.pearson_along``). A noise ceiling needs two or more raters; each leave-one-out or split-half
correlation needs three or more pairs rated on both sides and ratings that vary on each side."""

from __future__ import annotations

import numpy as np


def correlation_undefined(model, human, what: str = "the model's similarity") -> str:
    """Why the correlation of ``model`` and ``human`` (one value per pair) is NaN, or '' when it is defined."""
    model, human = np.asarray(model, dtype=float), np.asarray(human, dtype=float)
    finite_model = np.isfinite(model)
    both = finite_model & np.isfinite(human)
    if both.sum() < 2:
        not_finite = int((~finite_model).sum())
        why = (f"{what} is NaN or infinite on {not_finite} of {len(model)} pairs (an all-zero activation has no "
               "cosine)" if not_finite else f"only {int(both.sum())} pair(s) have a mean rating")
        return f"undefined: {why}; a correlation needs 2 or more pairs with both"
    if np.ptp(model[both]) == 0:
        return (f"undefined: {what} is the same ({model[both][0]:.6g}) on all {int(both.sum())} pairs (a constant "
                "layer, or one that does not depend on the image)")
    if np.ptp(human[both]) == 0:
        return f"undefined: every pair has the same mean rating ({human[both][0]:g})"
    return ""


def ceiling_undefined(matrix, raters=None) -> str:
    """Why the noise ceilings of a ``[raters, pairs]`` rating matrix (NaN = not rated) are NaN, or '' when at
    least one rater vs the others is defined."""
    matrix = np.asarray(matrix, dtype=float)
    names = list(raters) if raters is not None else [str(k) for k in range(len(matrix))]
    if len(matrix) < 2:
        return (f"undefined: {len(matrix)} rater{'' if len(matrix) == 1 else 's'}; a noise ceiling compares raters "
                "with each other and needs 2 or more")
    rated = ~np.isnan(matrix)
    constant = [name for name, row, mask in zip(names, matrix, rated) if mask.any() and np.ptp(row[mask]) == 0]
    if len(constant) == len(matrix):
        return "undefined: every rater gave one rating to all the pairs they rated, so no rater's ratings vary"
    shared = max(int((rated[i] & rated[j]).sum()) for i in range(len(matrix)) for j in range(len(matrix)) if i != j)
    if shared < 3:
        return (f"undefined: no two raters rated 3 or more of the same pairs (at most {shared} in common), so no "
                "rater can be compared with the others")
    return ""
