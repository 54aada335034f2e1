"""Statistics of the human-similarity comparison against scipy and hand-computed cases."""

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats

from siamese.human.compare.correlation import matrix_agreement, triplet_agreement
from siamese.human.compare.stats import (
    bootstrap_ci,
    compare,
    leave_one_out_ceiling,
    minmax,
    pearson,
    permutation_p,
    spearman,
    spearman_brown,
    split_half_ceiling,
)

X = np.array([0.12, 0.5, 0.33, 0.9, 0.45, 0.71, 0.05, 0.6])
Y = np.array([2.0, 6.0, 3.0, 9.0, 6.0, 7.0, 1.0, 4.0])  # ties (6, 6) exercise average ranks


def test_correlations_equal_scipy_on_fixed_vectors():
    assert pearson(X, Y) == pytest.approx(scipy_stats.pearsonr(X, Y)[0], abs=1e-12)
    assert spearman(X, Y) == pytest.approx(scipy_stats.spearmanr(X, Y)[0], abs=1e-12)
    assert pearson(X, -Y) == pytest.approx(-pearson(X, Y))
    assert math.isnan(pearson([1, 1, 1], [1, 2, 3]))  # no variance: undefined, not 0


def test_bootstrap_ci_brackets_r_and_is_seeded():
    low, high = bootstrap_ci(X, Y, "pearson", n_boot=2000, seed=0)
    assert low < pearson(X, Y) < high <= 1.0
    assert (low, high) == bootstrap_ci(X, Y, "pearson", n_boot=2000, seed=0)
    # a perfectly linear relation: every resample (with >= 2 distinct points) has r = 1
    low, high = bootstrap_ci(X, 3 * X + 1, "pearson", n_boot=500)
    assert low == pytest.approx(1.0) and high == pytest.approx(1.0)


def test_permutation_p_matches_exhaustive_count():
    # with 5 points there are 120 permutations; the Monte Carlo p estimates the exhaustive share
    x, y = np.array([1.0, 2, 3, 4, 5]), np.array([2.0, 1, 4, 3, 5])
    import itertools

    observed = abs(pearson(x, y))
    exact = np.mean([abs(pearson(x, y[list(p)])) >= observed - 1e-12 for p in itertools.permutations(range(5))])
    assert permutation_p(x, y, n_perm=20000, seed=1) == pytest.approx(exact, abs=0.01)
    assert permutation_p(np.arange(30.0), np.arange(30.0), n_perm=999) == pytest.approx(1 / 1000)


RATERS = np.array([[1.0, 2, 3, 4],
                   [2.0, 1, 4, 3],
                   [1.0, 3, 2, 4]])
# each rater vs the mean of the other two, by hand:
#   rater 1 vs [1.5, 2, 3, 3.5]: r = 3.5 / sqrt(5 * 2.5) = 7 / sqrt(50)
#   rater 2 vs [1, 2.5, 2.5, 4]: r = 1.5 / sqrt(5 * 4.5) = 1 / sqrt(10)
#   rater 3 vs [1.5, 1.5, 3.5, 3.5]: r = 2 / sqrt(5 * 4) = 1 / sqrt(5)
HAND_LOO = [7 / math.sqrt(50), 1 / math.sqrt(10), 1 / math.sqrt(5)]


def test_noise_ceiling_on_hand_made_three_raters():
    mean, values = leave_one_out_ceiling(RATERS)
    assert values == pytest.approx(HAND_LOO, abs=1e-12)
    assert mean == pytest.approx(np.mean(HAND_LOO), abs=1e-12)
    # 3 raters split 1 | 2 in the three possible ways: the same three correlations, stepped up by Spearman-Brown
    r, corrected = split_half_ceiling(RATERS)
    assert r == pytest.approx(np.mean(HAND_LOO), abs=1e-12)
    assert corrected == pytest.approx(2 * r / (1 + r), abs=1e-12)
    assert spearman_brown(0.5) == pytest.approx(2 / 3)


def test_noise_ceiling_uses_only_pairs_both_sides_rated():
    with_gap = np.vstack([RATERS, [np.nan, np.nan, np.nan, np.nan]])  # a rater who rated nothing changes nothing
    assert leave_one_out_ceiling(with_gap)[1][:3] == pytest.approx(HAND_LOO, abs=1e-12)
    partial = RATERS.copy()
    partial[0, 3] = np.nan  # rater 1 skipped pair 4: correlate over pairs 1-3 only
    others = RATERS[1:, :3].mean(axis=0)
    assert leave_one_out_ceiling(partial)[1][0] == pytest.approx(scipy_stats.pearsonr(RATERS[0, :3], others)[0])


def test_split_half_with_four_raters_averages_the_three_splits():
    raters = np.array([[1.0, 2, 3, 4, 5], [2, 1, 3, 5, 4], [1, 3, 2, 4, 5], [2, 4, 1, 3, 5]])
    halves = [((0, 1), (2, 3)), ((0, 2), (1, 3)), ((0, 3), (1, 2))]
    expected = np.mean([pearson(raters[list(a)].mean(0), raters[list(b)].mean(0)) for a, b in halves])
    r, corrected = split_half_ceiling(raters)
    assert r == pytest.approx(expected) and corrected == pytest.approx(2 * expected / (1 + expected))


def test_minmax_and_compare():
    assert minmax([2.0, 4.0, 3.0]).tolist() == [0.0, 1.0, 0.5]
    assert minmax([3.0, 3.0]).tolist() == [0.5, 0.5]
    result = compare(np.append(X, np.nan), np.append(Y, 5.0), n_boot=200, n_perm=200)
    assert result["n_pairs"] == len(X)
    assert result["r"] == pytest.approx(scipy_stats.pearsonr(X, Y)[0])
    assert result["rho"] == pytest.approx(scipy_stats.spearmanr(X, Y)[0])


def test_matrix_and_triplet_agreement_on_hand_cases():
    human = np.array([[1.0, 0.9, 0.1], [0.9, 1.0, 0.5], [0.1, 0.5, 1.0]])  # upper triangle 0.9, 0.1, 0.5
    model = np.array([[1.0, 0.8, 0.3], [0.8, 1.0, 0.2], [0.3, 0.2, 1.0]])  # upper triangle 0.8, 0.3, 0.2
    assert matrix_agreement(model, human) == pytest.approx(scipy_stats.spearmanr([0.9, 0.1, 0.5], [0.8, 0.3, 0.2])[0])
    # anchor 0: people chose image 1 over 2 (model agrees: 0.8 > 0.3); anchor 2: chose 1 over 0 (model: 0.2 < 0.3)
    assert triplet_agreement(model, [(0, 1, 2, 1), (2, 0, 1, 1)]) == 0.5
    assert triplet_agreement(model, [(0, 1, 2, 1), (2, 0, 1, 0)]) == 1.0
