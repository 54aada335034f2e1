"""Statistics of model-vs-human similarity: correlations, bootstrap CIs, permutation p-values, noise ceilings.

Conventions: ``x`` is the model's score per pair, ``y`` the human mean rating per pair; pairs with a missing
value in either are dropped. Pearson ``r = cov(x, y) / (sd(x) sd(y))``; Spearman ``rho`` = Pearson of the
ranks (ties get their average rank). Confidence intervals are BCa bootstraps (``scipy.stats.bootstrap``) over
pairs, or over images where pairs share images; p-values are permutation tests (``scipy.stats.permutation_test``).
Resampling uses a seeded ``numpy.random.default_rng``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from itertools import combinations

import numpy as np
from scipy import stats
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


def shares_images(pairs) -> bool:
    """True when some image is in more than one of ``pairs`` (``[P, 2]`` image positions)."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return len(np.unique(pairs)) < 2 * len(pairs)


def _interval(result) -> tuple[float, float]:
    """``(low, high)`` of a ``scipy.stats.bootstrap`` result; a degenerate bootstrap distribution (every finite
    resample equal, e.g. a perfectly linear relation) gives that value twice, where BCa itself is undefined."""
    values = np.asarray(result.bootstrap_distribution, dtype=float)
    finite = values[np.isfinite(values)]
    if len(finite) and np.ptp(finite) == 0:
        return float(finite[0]), float(finite[0])
    low, high = result.confidence_interval
    return float(low), float(high)


def _bootstrap(data, statistic, n_boot: int, level: float, seed: int, vectorized: bool, paired: bool = True):
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)  # nan statistics of degenerate resamples
        result = stats.bootstrap(data, statistic, n_resamples=n_boot, confidence_level=level, method="BCa",
                                 paired=paired, vectorized=vectorized, random_state=np.random.default_rng(seed))
    return _interval(result)


def image_weights(images, pairs) -> np.ndarray:
    """How often each of ``pairs`` (``[P, 2]`` image positions) enters an image resample ``images`` (image
    positions drawn with replacement): ``c_a * c_b``, with ``c_i`` the number of draws of image ``i``. A pair
    whose two images were both drawn is kept, with that multiplicity; any other pair is left out."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    counts = np.bincount(np.asarray(images, dtype=np.int64), minlength=int(pairs.max()) + 1 if len(pairs) else 0)
    return counts[pairs[:, 0]] * counts[pairs[:, 1]]


def _resampled(method: str, columns, pairs):
    """The statistic on an image resample: ``method`` (a function of the weighted-repeated columns) of the pairs
    kept by :func:`image_weights`."""
    def statistic(images):
        weights = image_weights(images, pairs)
        return method(*(np.repeat(column, weights) for column in columns))
    return statistic


def bootstrap_ci(x, y, method: str = "pearson", n_boot: int = 2000, level: float = 0.95, seed: int = 0,
                 pairs=None) -> tuple[float, float]:
    """BCa bootstrap CI of the correlation (``scipy.stats.bootstrap``, ``method="BCa"``, seeded).

    The resampled units: pairs (``x[k]``, ``y[k]`` drawn together, ``paired=True``); or, when ``pairs`` (the
    ``[P, 2]`` image positions of each pair) is given and some image is in more than one pair, images: draw the
    N images with replacement, keep each pair whose two images were both drawn, ``c_a * c_b`` times
    (:func:`image_weights`), and correlate. Pairs that share an image are not independent, and resampling them as
    if they were makes the CI too narrow. The image bootstrap is conservative where few images are shared: a
    resample keeps a pair only when both its images were drawn (about 40% of the pairs when no image repeats), so
    on 160 pairs over 200 images with a few shared its CI is about 1.5 times as wide as the pair bootstrap's.
    (The jackknife that BCa's acceleration needs leaves out one unit, pair or image, at a time.)"""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if pairs is not None and shares_images(pairs):
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        return _bootstrap((np.arange(int(pairs.max()) + 1),), _resampled(CORRELATIONS[method], (x, y), pairs),
                          n_boot, level, seed, vectorized=False)
    along = _spearman_along if method == "spearman" else pearson_along
    return _bootstrap((x, y), lambda a, b, axis: along(a, b, axis=axis), n_boot, level, seed, vectorized=True)


def _spearman_along(x, y, axis: int = -1) -> np.ndarray:
    return pearson_along(rankdata(x, axis=axis), rankdata(y, axis=axis), axis=axis)


def bootstrap_gain_ci(x_new, x_old, y, n_boot: int = 2000, level: float = 0.95, seed: int = 0,
                      pairs=None) -> tuple[float, float, float]:
    """Pearson ``r(x_new, y) - r(x_old, y)`` and its paired BCa bootstrap CI: both correlations are computed on the
    same resample each time (so the CI reflects the difference, not two separate uncertainties); the units are
    pairs, or images when ``pairs`` is given and pairs share images (as :func:`bootstrap_ci`). Returns
    ``(gain, low, high)``."""
    x_new, x_old, y = (np.asarray(v, dtype=float) for v in (x_new, x_old, y))
    gain = pearson(x_new, y) - pearson(x_old, y)
    if pairs is not None and shares_images(pairs):
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        difference = lambda new, old, h: pearson(new, h) - pearson(old, h)  # noqa: E731
        low, high = _bootstrap((np.arange(int(pairs.max()) + 1),), _resampled(difference, (x_new, x_old, y), pairs),
                               n_boot, level, seed, vectorized=False)
    else:
        low, high = _bootstrap((x_new, x_old, y), lambda a, b, h, axis: pearson_along(a, h, axis=axis)
                               - pearson_along(b, h, axis=axis), n_boot, level, seed, vectorized=True)
    return float(gain), low, high


def permutation_p(x, y, method: str = "pearson", n_perm: int = 5000, seed: int = 0) -> float:
    """Two-sided permutation p-value of the correlation (``scipy.stats.permutation_test`` with
    ``permutation_type="pairings"``): the share of re-pairings of ``x`` and ``y`` whose |correlation| reaches the
    observed one. Exact (every pairing once) when ``n!`` <= ``n_perm``; otherwise ``n_perm`` random re-pairings,
    counted as ``(k + 1) / (n_perm + 1)`` (never 0)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if method == "spearman":
        x, y = rankdata(x), rankdata(y)
    if not np.isfinite(pearson(x, y)):
        return float("nan")
    # one sample (y) re-ordered against fixed x: the n! pairings, so the test is exact when n! <= n_perm
    result = stats.permutation_test((y,), lambda b, axis: np.abs(pearson_along(x, b, axis=axis)),
                                    permutation_type="pairings", n_resamples=n_perm, alternative="greater",
                                    vectorized=True, random_state=np.random.default_rng(seed))
    return float(result.pvalue)


def unit_bootstrap_ci(statistic, n_units: int, n_boot: int = 2000, level: float = 0.95,
                      seed: int = 0) -> tuple[float, float]:
    """BCa bootstrap CI (``scipy.stats.bootstrap``) of ``statistic(units)``, a function of a resample of the unit
    positions ``0 .. n_units - 1`` (drawn with replacement; a unit may repeat)."""
    return _bootstrap((np.arange(n_units),), statistic, n_boot, level, seed, vectorized=False)


def ceiling_ci(matrix, n_boot: int = 1000, level: float = 0.95, seed: int = 0, pairs=None) -> tuple[float, float]:
    """BCa bootstrap CI of the leave-one-out noise ceiling of ``matrix`` ``[raters, pairs]``, resampling pairs
    (columns), or images when ``pairs`` share images (as :func:`bootstrap_ci`)."""
    matrix = np.asarray(matrix, dtype=float)
    if pairs is not None and shares_images(pairs):
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        return unit_bootstrap_ci(lambda images: leave_one_out_ceiling(
            np.repeat(matrix, image_weights(images, pairs), axis=1))[0], int(pairs.max()) + 1, n_boot, level, seed)
    return unit_bootstrap_ci(lambda columns: leave_one_out_ceiling(matrix[:, columns])[0], matrix.shape[1], n_boot,
                             level, seed)


def pearson_fisher_ci(x, y, level: float = 0.95) -> tuple[float, float]:
    """Fisher-z confidence interval of Pearson r (``scipy.stats.pearsonr(x, y).confidence_interval``), which
    assumes independent pairs from a bivariate normal; nan when fewer than 4 pairs or a side is constant."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 4 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan"), float("nan")
    interval = stats.pearsonr(x, y).confidence_interval(confidence_level=level)
    return float(interval.low), float(interval.high)


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


def compare(model_scores, human_scores, n_boot: int = 2000, n_perm: int = 5000, seed: int = 0,
            pairs=None) -> dict[str, float]:
    """Pearson r and Spearman rho of model vs human over the pairs where both are defined, each with its BCa
    bootstrap 95% CI (over images when ``pairs``, the ``[P, 2]`` image positions, share images; else over pairs)
    and permutation p-value; plus Fisher's 95% CI of r (``r_fisher_ci_low``/``_high``)."""
    if n_boot < 1 or n_perm < 1:
        raise ValueError(f"n_boot and n_perm must be >= 1, got {n_boot}, {n_perm}")
    x, y = np.asarray(model_scores, dtype=float), np.asarray(human_scores, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    pairs = None if pairs is None else np.asarray(pairs, dtype=np.int64).reshape(-1, 2)[keep]
    out: dict[str, float] = {"n_pairs": int(len(x))}
    for name, method in (("r", "pearson"), ("rho", "spearman")):
        out[name] = CORRELATIONS[method](x, y)
        out[f"{name}_ci_low"], out[f"{name}_ci_high"] = bootstrap_ci(x, y, method, n_boot, seed=seed, pairs=pairs)
        out[f"{name}_p"] = permutation_p(x, y, method, n_perm, seed=seed)
    out["r_fisher_ci_low"], out["r_fisher_ci_high"] = pearson_fisher_ci(x, y)
    return out
