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


# ------------------------------------------------------------------------------------ library statistics, by hand
def test_permutation_p_is_exact_when_every_pairing_fits():
    import itertools

    x, y = np.array([1.0, 2, 3, 4, 5]), np.array([2.0, 1, 4, 3, 5])
    observed = abs(pearson(x, y))
    exact = np.mean([abs(pearson(x, y[list(p)])) >= observed - 1e-12 for p in itertools.permutations(range(5))])
    assert permutation_p(x, y, n_perm=200) == pytest.approx(exact, abs=1e-12)  # 5! = 120 <= 200: all pairings


def test_fisher_ci_is_tanh_of_arctanh_r_plus_minus_z_over_sqrt_n_minus_3():
    from siamese.human.compare.stats import pearson_fisher_ci

    r, n = pearson(X, Y), len(X)
    half = scipy_stats.norm.ppf(0.975) / math.sqrt(n - 3)
    assert pearson_fisher_ci(X, Y) == pytest.approx((math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half)))
    assert all(math.isnan(v) for v in pearson_fisher_ci(X[:3], Y[:3]))
    result = compare(X, Y, n_boot=100, n_perm=100)
    assert (result["r_fisher_ci_low"], result["r_fisher_ci_high"]) == pytest.approx(pearson_fisher_ci(X, Y))


def test_an_image_resample_keeps_the_pairs_of_two_drawn_images_as_often_as_they_were_drawn():
    from siamese.human.compare.stats import image_weights, shares_images

    pairs = np.array([[0, 1], [0, 2], [1, 2], [2, 3]])
    # draws 0, 0, 2, 3: c = (2, 0, 1, 1); pair (0, 2) twice, (2, 3) once, pairs with image 1 left out
    assert image_weights([0, 0, 2, 3], pairs).tolist() == [0, 2, 0, 1]
    assert shares_images(pairs) and not shares_images([[0, 1], [2, 3]])


def test_the_image_bootstrap_statistic_equals_the_brute_force_list_of_drawn_pairs():
    """For one image draw, the correlation over the kept pairs equals the correlation over the explicit list:
    every (k, l) of two draws k < l whose images form a rated pair, listed once per such (k, l)."""
    from siamese.human.compare.stats import image_weights

    rng = np.random.default_rng(3)
    pairs = np.array([(i, j) for i in range(8) for j in range(i + 1, 8) if (i + j) % 3])
    x, y = rng.normal(size=len(pairs)), rng.normal(size=len(pairs))
    draw = rng.integers(0, 8, size=8)
    index = {tuple(p): k for k, p in enumerate(pairs.tolist())}
    listed = [index[(min(a, b), max(a, b))] for k, a in enumerate(draw) for b in draw[k + 1:]
              if a != b and (min(a, b), max(a, b)) in index]
    weights = image_weights(draw, pairs)
    assert sorted(listed) == sorted(np.repeat(np.arange(len(pairs)), weights).tolist())
    assert pearson(np.repeat(x, weights), np.repeat(y, weights)) == pytest.approx(pearson(x[listed], y[listed]))


def test_shared_images_widen_the_ci_where_pair_resampling_would_be_too_narrow():
    """Pairs of 12 images (all 66): each image carries an effect that both the model and the people see, so pairs
    that share an image are not independent; resampling images gives a wider CI than resampling pairs."""
    rng = np.random.default_rng(0)
    i, j = np.triu_indices(12, k=1)
    effect = rng.normal(size=12)
    x = effect[i] + effect[j] + rng.normal(0, 0.5, len(i))
    y = effect[i] + effect[j] + rng.normal(0, 0.5, len(i))
    by_pairs = bootstrap_ci(x, y, n_boot=500, seed=1)
    by_images = bootstrap_ci(x, y, n_boot=500, seed=1, pairs=np.column_stack([i, j]))
    assert by_images[0] < by_pairs[0] and by_images[1] - by_images[0] > 1.5 * (by_pairs[1] - by_pairs[0])
    assert by_images[0] < pearson(x, y) < by_images[1]
