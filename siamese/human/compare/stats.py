"""Statistics of model-vs-human similarity: correlations, bootstrap CIs, permutation p-values, noise ceilings.

Conventions: ``x`` is the model's score per pair, ``y`` the human mean rating per pair; pairs with a missing
value in either are dropped. Pearson ``r = cov(x, y) / (sd(x) sd(y))``; Spearman ``rho`` = Pearson of the
ranks (ties get their average rank). Resampling uses a seeded ``numpy.random.default_rng``.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations

import numpy as np
from scipy.stats import rankdata


def pearson_along(x, y, axis: int = 0) -> np.ndarray:
    """Pearson r of ``x`` and ``y`` (same shape, or broadcastable) along ``axis``: the one implementation every
    correlation here uses. nan where either side is constant."""
    x, y = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    dx, dy = x - x.mean(axis=axis, keepdims=True), y - y.mean(axis=axis, keepdims=True)
    denominator = np.sqrt((dx * dx).sum(axis=axis) * (dy * dy).sum(axis=axis))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, (dx * dy).sum(axis=axis) / np.where(denominator > 0, denominator, 1), np.nan)


def pearson(x, y) -> float:
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"pearson needs two 1-D arrays of equal length, got shapes {x.shape} and {y.shape}")
    return float(pearson_along(x, y)) if len(x) >= 2 else float("nan")


def spearman(x, y) -> float:
    return pearson(rankdata(x), rankdata(y))


CORRELATIONS: dict[str, Callable] = {"pearson": pearson, "spearman": spearman}


def correlate_columns(model: np.ndarray, human: np.ndarray, method: str) -> np.ndarray:
    """Pearson or Spearman correlation of each column of ``model`` [P, C] with ``human`` [P] (nan if constant)."""
    model = np.asarray(model, dtype=np.float64).reshape(len(human), -1)
    human = np.asarray(human, dtype=np.float64)
    if method == "spearman":
        model, human = rankdata(model, axis=0), rankdata(human)
    return pearson_along(model, human[:, None], axis=0)


def bootstrap_ci(x, y, method: str = "pearson", n_boot: int = 2000, level: float = 0.95,
                 seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap CI over pairs: resample pairs with replacement ``n_boot`` times, correlate, take the
    (1-level)/2 and (1+level)/2 quantiles (resamples with a constant side, r undefined, are skipped)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if method == "spearman":
        x, y = rankdata(x), rankdata(y)  # ranks of the original pairs; Spearman of a resample re-ranks below
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(x), size=(n_boot, len(x)))
    xs, ys = x[picks], y[picks]
    if method == "spearman":
        xs, ys = rankdata(xs, axis=1), rankdata(ys, axis=1)
    values = pearson_along(xs, ys, axis=1)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return float("nan"), float("nan")
    alpha = (1 - level) / 2
    return float(np.quantile(values, alpha)), float(np.quantile(values, 1 - alpha))


def permutation_p(x, y, method: str = "pearson", n_perm: int = 5000, seed: int = 0) -> float:
    """Two-sided permutation p-value of the correlation: the share of ``n_perm`` random re-pairings of ``y`` whose
    |correlation| reaches the observed |correlation|, counted as ``(k + 1) / (n_perm + 1)`` (never 0)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if method == "spearman":
        x, y = rankdata(x), rankdata(y)
    observed = abs(pearson(x, y))
    if not np.isfinite(observed):
        return float("nan")
    rng = np.random.default_rng(seed)
    shuffled = np.stack([rng.permutation(y) for _ in range(n_perm)])
    values = np.abs(pearson_along(x, shuffled, axis=1))
    k = int((values >= observed - 1e-12).sum())
    return (k + 1) / (n_perm + 1)


def minmax(values) -> np.ndarray:
    """Min-max normalization to [0, 1] (the reference study's normalization for plots); constant -> 0.5."""
    values = np.asarray(values, dtype=float)
    low, high = np.nanmin(values), np.nanmax(values)
    if high == low:
        return np.full_like(values, 0.5)
    return (values - low) / (high - low)


# ---------------------------------------------------------------------------------------------- noise ceiling
def _nanmean_rows(matrix: np.ndarray) -> np.ndarray:
    rated = ~np.isnan(matrix)
    counts = rated.sum(axis=0)
    return np.where(counts > 0, np.where(rated, matrix, 0).sum(axis=0) / np.maximum(counts, 1), np.nan)


def _correlate_present(x, y, method: str) -> float:
    keep = ~(np.isnan(x) | np.isnan(y))
    return CORRELATIONS[method](x[keep], y[keep]) if keep.sum() >= 3 else float("nan")


def leave_one_out_ceiling(matrix, method: str = "pearson") -> tuple[float, list[float]]:
    """Each rater's ratings correlated with the mean of the other raters over the pairs both have.

    ``matrix`` is [raters, pairs] with NaN for missing ratings. Returns (mean over raters, per-rater values);
    this is the usual lower bound of the noise ceiling: how well one person predicts the others."""
    matrix = np.asarray(matrix, dtype=float)
    if len(matrix) < 2:
        return float("nan"), []
    values = [_correlate_present(matrix[i], _nanmean_rows(np.delete(matrix, i, axis=0)), method)
              for i in range(len(matrix))]
    finite = [v for v in values if np.isfinite(v)]
    return (float(np.mean(finite)) if finite else float("nan")), values


def spearman_brown(r: float, factor: float = 2.0) -> float:
    """Reliability of a test ``factor`` times as long: ``factor * r / (1 + (factor - 1) * r)``."""
    return factor * r / (1 + (factor - 1) * r)


def split_half_ceiling(matrix, method: str = "pearson", n_splits: int = 200, seed: int = 0) -> tuple[float, float]:
    """Split the raters into two halves (sizes floor(n/2) and ceil(n/2)), correlate the two half means over the
    pairs both have, average over splits, and step it up with Spearman-Brown: ``2 r / (1 + r)``.

    Every split is used when there are at most ``n_splits`` (each unordered split once), else ``n_splits``
    random ones. Returns (split-half r, Spearman-Brown corrected r)."""
    matrix = np.asarray(matrix, dtype=float)
    n = len(matrix)
    if n < 2:
        return float("nan"), float("nan")
    half = n // 2
    splits = [s for s in combinations(range(n), half) if n % 2 or 0 in s]  # unordered when halves are equal
    if len(splits) > n_splits:
        rng = np.random.default_rng(seed)
        splits = [tuple(sorted(rng.choice(n, size=half, replace=False))) for _ in range(n_splits)]
    values = []
    for first in splits:
        second = [i for i in range(n) if i not in first]
        values.append(_correlate_present(_nanmean_rows(matrix[list(first)]), _nanmean_rows(matrix[second]), method))
    finite = [v for v in values if np.isfinite(v)]
    if not finite:
        return float("nan"), float("nan")
    r = float(np.mean(finite))
    return r, float(spearman_brown(r))


def compare(model_scores, human_scores, n_boot: int = 2000, n_perm: int = 5000, seed: int = 0) -> dict[str, float]:
    """Pearson r and Spearman rho of model vs human over the pairs where both are defined, each with its
    bootstrap 95% CI and permutation p-value."""
    x, y = np.asarray(model_scores, dtype=float), np.asarray(human_scores, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    out: dict[str, float] = {"n_pairs": int(len(x))}
    for name, method in (("r", "pearson"), ("rho", "spearman")):
        out[name] = CORRELATIONS[method](x, y)
        out[f"{name}_ci_low"], out[f"{name}_ci_high"] = bootstrap_ci(x, y, method, n_boot, seed=seed)
        out[f"{name}_p"] = permutation_p(x, y, method, n_perm, seed=seed)
    return out
