"""Readouts of a frozen net (layer mixing, feature reweighting, linear transform near identity): exact values on
hand cases, brute-force references, nested CV that never sees held-out pairs or images, the safe file format,
and the align-readout command end to end on a SYNTHETIC observer set with a real (random-weight) checkpoint."""

import numpy as np
import pytest
import torch
from scipy.optimize import minimize

from siamese.evaluation.folds import grouped_folds, image_keys, pair_groups, rater_halves
from siamese.human.compare.stats import pearson
from siamese.human.readouts import (
    READOUTS,
    FeatureReweighting,
    LayerMixing,
    LinearTransform,
    PairFeatures,
    Readout,
    load_readout,
)
from siamese.human.readouts.linear_transform import LOW_RANK
from siamese.human.readouts.nested_cv import ReadoutSpec, cross_validate_readouts


def random_features(n=60, layers=(("l1", 4, 3), ("l2", 6, 1)), seed=0) -> PairFeatures:
    rng = np.random.default_rng(seed)
    return PairFeatures({name: (rng.random((n, c, s)), rng.random((n, c, s))) for name, c, s in layers})


# ------------------------------------------------------------------------------------------------------ folds
def test_image_groups_keep_pairs_sharing_an_image_together():
    images = np.stack([np.full((28, 28), k, np.uint8) for k in range(6)])
    # pairs: (0,1) (2,3) (1,4) (5,0) share image 0 or 1 -> one group; (2,3) alone
    a, b = images[[0, 2, 1, 5]], images[[1, 3, 4, 0]]
    keys = image_keys(a, b)  # ids in order of first appearance, column a first: 0 2 1 5 | then 3 4
    assert keys.tolist() == [[0, 2], [1, 4], [2, 5], [3, 0]]
    groups = pair_groups(keys)
    assert groups[0] == groups[2] == groups[3] != groups[1]
    for train, test in grouped_folds(groups, 2, seed=1):
        train_images, test_images = set(keys[train].ravel()), set(keys[test].ravel())
        assert not train_images & test_images
        assert sorted(np.concatenate([train, test]).tolist()) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="2 independent pair groups cannot make 3 folds"):
        grouped_folds(groups, 3)


def test_rater_halves_are_disjoint_and_cover_everyone():
    first, second = rater_halves(["a", "b", "c", "d", "e"], seed=2)
    assert len(first) == 2 and len(second) == 3 and sorted(first + second) == ["a", "b", "c", "d", "e"]


# ------------------------------------------------------------------------------------------------- layer mixing
def test_layer_mixing_recovers_a_non_negative_mix_and_clamps_a_negative_one():
    features = random_features()
    c1, c2 = features.cosine("l1"), features.cosine("l2")
    rows = np.arange(len(c1))
    mix = LayerMixing(["l1", "l2"], reg=0.0).fit(features, rows, 3 * c1 + 1 * c2 + 7)
    target = 3 * c1 + c2
    sd = target.std()
    np.testing.assert_allclose(mix.weights, [3 / sd, 1 / sd], rtol=1e-8)
    np.testing.assert_allclose(mix.similarity(features), (target - target.mean()) / sd, atol=1e-8)
    clamped = LayerMixing(["l1", "l2"], reg=0.0).fit(features, rows, c1 - 5 * c2)
    assert clamped.weights[1] == 0.0 and clamped.weights[0] > 0


def test_layer_mixing_matches_a_brute_force_bounded_ridge_fit():
    features = random_features(seed=4)
    rng = np.random.default_rng(5)
    rows = np.arange(40)
    target = rng.normal(size=40) + 2 * features.cosine("l1", rows)
    reg = 0.3
    mix = LayerMixing(["l1", "l2"], reg=reg).fit(features, rows, target)
    cos = np.stack([features.cosine("l1", rows), features.cosine("l2", rows)], axis=1)
    s = (cos - cos.mean(0)) / cos.std(0)
    y = (target - target.mean()) / target.std()
    objective = lambda u: ((y - s @ u) ** 2).sum() + reg * len(y) * (u ** 2).sum()  # noqa: E731
    reference = minimize(objective, np.ones(2), bounds=[(0, None)] * 2, method="L-BFGS-B", tol=1e-12).x
    np.testing.assert_allclose(mix.weights * cos.std(0), reference, atol=1e-5)


# ------------------------------------------------------------------------------------------- feature reweighting
def test_weighted_cosine_matches_a_brute_force_loop_and_uniform_weights_give_the_plain_cosine():
    features = random_features(n=5)
    rows = np.arange(5)
    readout = FeatureReweighting(["l1"])
    readout.params = {"weights": torch.ones(4, dtype=torch.float64)}
    np.testing.assert_allclose(readout.similarity(features), features.cosine("l1"), atol=1e-12)
    w = np.array([0.5, 0.0, 2.0, 1.0])
    readout.params = {"weights": torch.as_tensor(w)}
    a, b = features.get("l1")
    for k in rows:
        dot = sum(w[c] * sum(a[k, c, s] * b[k, c, s] for s in range(3)) for c in range(4))
        na = sum(w[c] * sum(a[k, c, s] ** 2 for s in range(3)) for c in range(4))
        nb = sum(w[c] * sum(b[k, c, s] ** 2 for s in range(3)) for c in range(4))
        assert readout.similarity(features)[k] == pytest.approx(dot / np.sqrt(na * nb))


def test_feature_reweighting_finds_the_channels_the_target_uses_and_a_strong_prior_keeps_uniform():
    rng = np.random.default_rng(0)
    n, channels = 120, 6
    a, b = rng.normal(size=(n, channels, 4)), rng.normal(size=(n, channels, 4))
    features = PairFeatures({"l": (a, b)})
    truth = FeatureReweighting(["l"])
    truth.params = {"weights": torch.tensor([1.0, 1.0, 0.0, 0.0, 0.0, 0.0], dtype=torch.float64)}
    target = truth.similarity(features)
    rows = np.arange(n)
    assert pearson(features.cosine("l"), target) < 0.8
    fitted = FeatureReweighting(["l"], reg=1e-4).fit(features, rows, target)
    assert pearson(fitted.similarity(features), target) > 0.99
    weights = fitted.params["weights"].numpy()
    assert (weights >= 0).all() and weights[:2].min() > 3 * weights[2:].max()
    uniform = FeatureReweighting(["l"], reg=1e4).fit(features, rows, target).params["weights"].numpy()
    np.testing.assert_allclose(uniform, 1.0, atol=1e-3)


# ----------------------------------------------------------------------------------------------- linear transform
def test_linear_transform_starts_at_the_identity_and_its_low_rank_penalty_is_the_frobenius_norm():
    features = random_features(n=8, layers=(("wide", 70, 1), ("narrow", 5, 2)))
    for layer in ("wide", "narrow"):
        readout = LinearTransform([layer], reg=0.5)
        start = readout._start(readout._inputs(features, None), torch.Generator().manual_seed(0))
        readout.params = start
        np.testing.assert_allclose(readout.similarity(features), features.cosine(layer), atol=1e-12)
    assert set(start) == {"W"} and start["W"].shape == (10, 10)
    readout = LinearTransform(["wide"], reg=0.5)
    u, v = torch.randn(70, LOW_RANK, dtype=torch.float64), torch.randn(70, LOW_RANK, dtype=torch.float64)
    assert readout._penalty({"U": u, "V": v}).item() == pytest.approx(0.5 * ((u @ v.T) ** 2).sum().item())


def test_linear_transform_learns_a_hidden_rotation_of_the_features():
    rng = np.random.default_rng(1)
    n, d = 100, 6
    a, b = rng.normal(size=(n, d, 1)), rng.normal(size=(n, d, 1))
    features = PairFeatures({"l": (a, b)})
    mixing = np.eye(d) + np.diag([3.0, 0, 0, 0, 0, 0]) + 0.5 * rng.normal(size=(d, d))
    truth = LinearTransform(["l"])
    truth.params = {"W": torch.as_tensor(mixing)}
    target = truth.similarity(features)
    fitted = LinearTransform(["l"], reg=1e-4).fit(features, np.arange(n), target)
    assert pearson(fitted.similarity(features), target) > max(0.97, pearson(features.cosine("l"), target) + 0.1)


# ------------------------------------------------------------------------------------------------- nested CV
def test_select_picks_the_reg_with_the_best_mean_inner_r_as_a_brute_force_loop_does():
    features = random_features(n=48, seed=2)
    rng = np.random.default_rng(3)
    target = features.cosine("l1") + features.cosine("l2") + rng.normal(0, 0.05, 48)
    groups = np.arange(48)
    rows = np.arange(40)
    readout = LayerMixing(["l1", "l2"])
    scores = readout.select(features, rows, target[rows], groups, inner_folds=4, seed=7)
    folds = grouped_folds(groups[rows], 4, 7)
    for reg in LayerMixing.grid:
        values = []
        for train, test in folds:
            fit = LayerMixing(["l1", "l2"], reg).fit(features, rows[train], target[rows][train])
            values.append(pearson(fit.similarity(features, rows[test]), target[rows][test]))
        assert scores[reg] == pytest.approx(np.mean(values))
    best = max(scores.values())
    assert readout.reg == max(reg for reg in scores if scores[reg] == best)  # ties: the strongest
    refit = LayerMixing(["l1", "l2"], readout.reg).fit(features, rows, target[rows])
    np.testing.assert_allclose(readout.weights, refit.weights)


class SpyReadout(LayerMixing):
    """Layer mixing that records every set of rows it was fitted on."""

    kind = "spy_layer_mixing"
    fitted_rows: list = []

    def _fit(self, features, rows, target):
        SpyReadout.fitted_rows.append(np.asarray(rows).copy())
        super()._fit(features, rows, target)


def test_outer_folds_never_fit_on_held_out_pairs_or_their_images():
    from siamese.human.io.pair_set import PairSet
    from siamese.human.io.ratings import Ratings
    from siamese.human.io.read import from_pair_set

    rng = np.random.default_rng(0)
    pool = rng.integers(0, 255, size=(60, 28, 28)).astype(np.uint8)
    # pairs 0-19: images 2k, 2k+1; pair 20+k reuses image 2k (of pair k) with a new image 40+k
    index_a = np.concatenate([2 * np.arange(20), 40 + np.arange(20)])
    index_b = np.concatenate([2 * np.arange(20) + 1, 2 * np.arange(20)])
    pairs = PairSet([f"p{k}" for k in range(40)], pool[index_a], pool[index_b])
    features = PairFeatures({"pixels": (pool[index_a].reshape(40, -1, 1) / 255.0,
                                        pool[index_b].reshape(40, -1, 1) / 255.0)})
    ratings = Ratings(["r1", "r2"], pairs.pair_id, rng.integers(1, 11, size=(2, 40)).astype(float))
    keys = image_keys(pairs.images_a, pairs.images_b)
    groups = pair_groups(keys)
    assert len(np.unique(groups)) == 20 and all(groups[k] == groups[20 + k] for k in range(20))
    SpyReadout.fitted_rows = []
    result = cross_validate_readouts(from_pair_set(pairs, ratings), features,
                                     [ReadoutSpec("spy_layer_mixing", ["pixels"])], folds=3, inner_folds=2,
                                     n_boot=50, n_perm=20, fit_final=False)
    outer = grouped_folds(groups, 3, 0)
    per_fold = len(SpyReadout.fitted_rows) // 3
    for fold, (train, test) in enumerate(outer):
        test_images = set(keys[test].ravel())
        for rows in SpyReadout.fitted_rows[fold * per_fold:(fold + 1) * per_fold]:
            assert set(rows) <= set(train)
            assert not set(keys[rows].ravel()) & test_images
    assert {row["method"] for row in result.rows} == {"frozen cosine", "readout"}


# ------------------------------------------------------------------------------------------------ file format
def test_saved_readouts_load_without_pickle_and_score_identically(tmp_path):
    features = random_features(n=30)
    rows, target = np.arange(30), np.random.default_rng(0).normal(size=30)
    for readout in (LayerMixing(["l1", "l2"], 0.1), FeatureReweighting(["l1"], 0.1), LinearTransform(["l2"], 0.1)):
        readout.fit(features, rows, target)
        path = readout.save(tmp_path / f"{readout.kind}.npz", meta={"normalization": "zscore"})
        with np.load(path, allow_pickle=False) as data:
            assert str(data["kind"]) == readout.kind
        loaded = load_readout(path)
        assert type(loaded) is type(readout) and loaded.layers == readout.layers and loaded.reg == readout.reg
        assert loaded.meta["normalization"] == "zscore"
        np.testing.assert_allclose(loaded.similarity(features), readout.similarity(features))
    np.save(tmp_path / "evil.npy", np.array([{"a": 1}], dtype=object))
    (tmp_path / "evil.npz").write_bytes((tmp_path / "evil.npy").read_bytes())
    with pytest.raises(ValueError, match="not a readable readout"):
        load_readout(tmp_path / "evil.npz")
    np.savez(tmp_path / "other.npz", format_version=1, kind="nope", layers=np.array(["x"]), reg=1.0, meta="{}")
    with pytest.raises(ValueError, match="unknown readout kind 'nope'"):
        load_readout(tmp_path / "other.npz")


def test_every_readout_kind_is_registered_and_has_a_grid():
    from siamese.human.cli.align_readout import READOUT_KINDS

    assert set(READOUTS) <= set(Readout.registry) and tuple(READOUTS) == READOUT_KINDS
    for cls in READOUTS.values():
        assert len(cls.grid) >= 3 and cls.__doc__


# ---------------------------------------------------------------------------------------- commands end to end
def test_align_readout_then_eval_readout_on_a_synthetic_observer_set(random_classifier_ckpt, tmp_path):
    import csv
    import json

    from siamese.human.__main__ import main as human_main
    from siamese.human.compare.correlation import noise_ceiling
    from siamese.human.compare.normalize import normalize_ratings
    from siamese.human.io.read import read_pairs
    from siamese.human.readouts import extract_pair_features
    from siamese.models.loading import load_net

    data, out = tmp_path / "observer", tmp_path / "readouts"
    assert human_main(["make-observer", str(data), "--per-digit", "6", "--digits", "1", "4", "7", "--raters", "4"]) == 0
    ratings_file = data / "ratings_synthetic.csv"
    assert human_main(["align-readout", "--model", str(random_classifier_ckpt), "--pairs", str(data), "--ratings",
                       str(ratings_file), "--normalize", "rank", "--readouts", "layer_mixing", "feature_reweighting",
                       "--layers", "fc", "--folds", "3", "--inner-folds", "2", "--n-boot", "100",
                       "--out", str(out)]) == 0
    rows = list(csv.DictReader(open(out / "readouts.csv")))
    assert [(r["method"], r["layers"]) for r in rows] == [
        ("frozen cosine", "pixels"), ("frozen cosine", "conv1"), ("frozen cosine", "conv2"), ("frozen cosine", "fc"),
        ("frozen cosine", "logits"), ("readout", "pixels+conv1+conv2+fc+logits"), ("readout", "fc")]
    assert {r["normalization"] for r in rows} == {"rank"} and {r["synthetic"] for r in rows} == {"1"}
    assert {r["heldout"] for r in rows} == {"pairs+images"}
    report = (out / "readouts.md").read_text()
    assert "SYNTHETIC" in report and "rater normalization: rank" in report
    summary = json.loads((out / "summary.json").read_text())
    pairs = read_pairs(data, ratings_file)
    ratings = normalize_ratings(pairs, "rank")
    assert summary["ceiling_loo_r"] == pytest.approx(noise_ceiling(ratings)["ceiling_loo_r"])
    assert summary["normalization"] == "rank" and summary["synthetic"] is True
    assert (out / "readouts.png").is_file()

    readout_file = out / "readout_feature_reweighting_fc.npz"
    readout = load_readout(readout_file)
    assert readout.meta["normalization"] == "rank" and readout.meta["model"] == "random-classifier"
    evaluated = tmp_path / "eval"
    assert human_main(["eval", "--ckpt", str(random_classifier_ckpt), "--pairs", str(data), "--ratings",
                       str(ratings_file), "--normalize", "zscore", "--layers", "fc", "--readout", str(readout_file),
                       "--out", str(evaluated), "--n-boot", "50", "--n-perm", "50"]) == 0
    table = {r["layer"]: r for r in csv.DictReader(open(evaluated / "comparison.csv"))}
    assert set(table) == {"fc", "feature_reweighting-fc"}
    expected = readout.similarity(extract_pair_features(load_net(random_classifier_ckpt), pairs.images_a,
                                                        pairs.images_b, ["fc"]))
    z = normalize_ratings(pairs, "zscore")
    assert float(table["feature_reweighting-fc"]["r"]) == pytest.approx(pearson(expected, z.mean()), abs=1e-9)
    assert table["fc"]["normalization"] == "zscore"
    assert float(table["fc"]["ceiling_loo_r"]) == pytest.approx(noise_ceiling(z)["ceiling_loo_r"])
    assert "rater normalization: zscore" in (evaluated / "comparison.md").read_text()


def test_align_readout_rejects_an_unknown_layer_before_any_work(random_classifier_ckpt, tmp_path, capsys):
    from siamese.human.__main__ import main as human_main

    data = tmp_path / "observer"
    assert human_main(["make-observer", str(data), "--per-digit", "3", "--digits", "2", "--raters", "2"]) == 0
    code = human_main(["align-readout", "--model", str(random_classifier_ckpt), "--pairs", str(data), "--ratings",
                       str(data / "ratings_synthetic.csv"), "--layers", "conv9", "--out", str(tmp_path / "o")])
    assert code == 2 and "unknown layer 'conv9'" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_paired_gain_ci_resamples_both_correlations_together():
    from siamese.human.compare.stats import bootstrap_gain_ci

    rng = np.random.default_rng(0)
    y = rng.normal(size=50)
    new, old = y + rng.normal(0, 0.5, 50), y + rng.normal(0, 2.0, 50)
    gain, low, high = bootstrap_gain_ci(new, old, y, n_boot=300, seed=4)
    assert gain == pytest.approx(pearson(new, y) - pearson(old, y))
    # the same resamples scipy.stats.bootstrap draws (paired: one index vector per resample, seeded), and the BCa
    # interval of them by hand: bias z0 from the share below the estimate, acceleration a from the jackknife
    from scipy.special import ndtr, ndtri

    picks = np.random.default_rng(4).integers(0, 50, size=(300, 50))
    reference = np.array([pearson(new[p], y[p]) - pearson(old[p], y[p]) for p in picks])
    z0 = ndtri(((reference < gain).mean() + (reference <= gain).mean()) / 2)
    jack = np.array([pearson(np.delete(new, i), np.delete(y, i)) - pearson(np.delete(old, i), np.delete(y, i))
                     for i in range(50)])
    d = jack.mean() - jack
    a = (d ** 3).sum() / (6 * (d ** 2).sum() ** 1.5)
    z = ndtri(np.array([0.025, 0.975]))
    assert (low, high) == pytest.approx(tuple(np.quantile(reference, ndtr(z0 + (z0 + z) / (1 - a * (z0 + z))))))
    # the plain percentile interval of the same resamples is close but not equal
    assert (low, high) != pytest.approx((np.quantile(reference, 0.025), np.quantile(reference, 0.975)))
    assert 0 < low < gain < high
    assert bootstrap_gain_ci(old, old, y, n_boot=50)[:3] == (0.0, 0.0, 0.0)
