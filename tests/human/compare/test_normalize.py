"""Per-rater normalization (none / zscore / rank): exact values on hand-computed cases, missing ratings, ties,
constant raters, and the noise ceiling computed on the normalized matrix."""

import logging

import numpy as np
import pytest

from siamese.human.compare.normalize import NORMALIZATIONS, normalize_ratings, normalize_rows
from siamese.human.compare.stats import leave_one_out_ceiling
from siamese.human.io.judgments import Judgments

NAN = np.nan


def test_zscore_of_the_documented_example_is_exact():
    # mean 5, population sd sqrt((9 + 1 + 1 + 25) / 4) = 3
    np.testing.assert_allclose(normalize_rows([[2, 4, 4, 10]], "zscore"), [[-1, -1 / 3, -1 / 3, 5 / 3]])


def test_rank_averages_ties_and_scales_to_zero_one():
    # ranks 1, 2.5, 2.5, 4 -> (r - 1) / 3
    np.testing.assert_allclose(normalize_rows([[2, 4, 4, 10]], "rank"), [[0, 0.5, 0.5, 1]])
    np.testing.assert_allclose(normalize_rows([[7, 7, 7]], "rank"), [[0.5, 0.5, 0.5]])


def test_each_rater_uses_only_the_pairs_they_rated():
    matrix = [[1, NAN, 3, 5], [NAN, 8, 8, 10]]
    z = normalize_rows(matrix, "zscore")
    # rater 1: mean 3, sd sqrt(8/3); rater 2: mean 26/3, sd sqrt(((2/3)^2 * 2 + (4/3)^2) / 3) = sqrt(8/9)
    np.testing.assert_allclose(z[0], [-2 / np.sqrt(8 / 3), NAN, 0, 2 / np.sqrt(8 / 3)])
    np.testing.assert_allclose(z[1], [NAN, (8 - 26 / 3) / np.sqrt(8 / 9), (8 - 26 / 3) / np.sqrt(8 / 9),
                                      (10 - 26 / 3) / np.sqrt(8 / 9)])
    np.testing.assert_allclose(normalize_rows(matrix, "rank"), [[0, NAN, 0.5, 1], [NAN, 0.25, 0.25, 1]])
    np.testing.assert_array_equal(normalize_rows(matrix, "none"), np.asarray(matrix, dtype=float))


def test_against_a_brute_force_loop_on_random_ratings_with_gaps():
    rng = np.random.default_rng(3)
    matrix = rng.integers(1, 11, size=(6, 30)).astype(float)
    matrix[rng.random(matrix.shape) < 0.3] = np.nan
    z, ranks = normalize_rows(matrix, "zscore"), normalize_rows(matrix, "rank")
    for i, row in enumerate(matrix):
        for k, value in enumerate(row):
            if np.isnan(value):
                assert np.isnan(z[i, k]) and np.isnan(ranks[i, k])
                continue
            others = [v for v in row if not np.isnan(v)]
            mean = sum(others) / len(others)
            sd = (sum((v - mean) ** 2 for v in others) / len(others)) ** 0.5
            assert z[i, k] == pytest.approx((value - mean) / sd)
            below, equal = sum(v < value for v in others), sum(v == value for v in others)
            assert ranks[i, k] == pytest.approx((below + (equal + 1) / 2 - 1) / (len(others) - 1))


def test_constant_rater_becomes_zero_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        z = normalize_rows([[4, 4, NAN], [1, 2, 3]], "zscore", names=["same", "other"])
    np.testing.assert_allclose(z[0], [0, 0, NAN])
    assert "same" in caplog.text


def test_normalized_ratings_keep_ids_and_say_how_and_the_ceiling_uses_them():
    images = np.arange(5, dtype=np.uint8)[:, None, None] * np.ones((1, 28, 28), np.uint8)
    raw = Judgments.from_pairs(images[:4], images[1:], ["p1", "p2", "p3", "p4"],
                               np.array([[1, 2, 3, 4], [5, 6, 8, 9], [2, 2, 5, 10]], dtype=float), ["r1", "r2", "r3"])
    for method in NORMALIZATIONS:
        normalized = normalize_ratings(raw, method)
        assert isinstance(normalized, Judgments) and normalized.normalization == method
        assert normalized.raters == raw.raters and normalized.pair_id == raw.pair_id
        assert method in normalized.describe()
    z = normalize_ratings(raw, "zscore")
    np.testing.assert_allclose(z.mean(), normalize_rows(raw.ratings, "zscore").mean(axis=0))
    # the leave-one-out ceiling reads the normalized matrix: rank and raw differ here
    assert leave_one_out_ceiling(normalize_ratings(raw, "rank").ratings)[0] != pytest.approx(
        leave_one_out_ceiling(raw.ratings)[0])
    with pytest.raises(ValueError, match="already normalized"):
        normalize_ratings(z, "rank")
    with pytest.raises(ValueError, match="unknown rater normalization 'minmax'"):
        normalize_ratings(raw, "minmax")


def test_zscore_removes_rater_offsets_and_scales_exactly():
    truth = np.array([1.0, 3.0, 2.0, 6.0, 4.0])
    matrix = np.stack([truth, 2 * truth + 3, 0.5 * truth - 1])  # the same judgement on three scales
    z = normalize_rows(matrix, "zscore")
    np.testing.assert_allclose(z[0], z[1])
    np.testing.assert_allclose(z[0], z[2])
    assert leave_one_out_ceiling(z)[0] == pytest.approx(1.0)


def test_ais_reads_normalized_ratings_and_says_so(random_classifier_ckpt, tmp_path):
    import json

    from siamese.human.__main__ import main as human_main

    data = tmp_path / "observer"
    assert human_main(["make-observer", str(data), "--per-digit", "10", "--digits", "3", "5", "--raters", "3"]) == 0
    out = tmp_path / "ais"
    assert human_main(["ais", "--ckpt", str(random_classifier_ckpt), "--layer", "conv2", "--pairs", str(data),
                       "--ratings", str(data / "ratings_synthetic.csv"), "--normalize", "zscore", "--repeats", "2",
                       "--out", str(out)]) == 0
    assert json.loads((out / "summary.json").read_text())["normalization"] == "zscore"
    assert "rater normalization zscore" in (out / "ais.md").read_text()
