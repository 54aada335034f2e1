"""Readouts fitted on odd-one-out choices: the triplet folds keep held-out images unseen, and a readout recovers
an observer that a frozen cosine misses, under the nested CV."""

from __future__ import annotations

import numpy as np

from siamese.human.compare.odd_one_out import pair_similarities
from siamese.human.compare.similarity import cosine_matrix
from siamese.human.io.judgments import ODD_ONE_OUT, Judgments
from siamese.human.readouts.features import PairFeatures
from siamese.human.readouts.nested_cv import ReadoutSpec
from siamese.human.readouts.odd_one_out_cv import cross_validate_odd_one_out, triplet_folds
from siamese.human.readouts.odd_one_out_fit import triplet_pair_features


def test_triplet_folds_hold_out_images_or_groups():
    rng = np.random.default_rng(0)
    shown = np.array([rng.choice(30, 3, replace=False) for _ in range(400)])
    for train, test in triplet_folds(shown, 30, 3, seed=0):  # linked images: an image split
        assert len(test) and not np.isin(shown[train], shown[test]).any()
    disjoint = np.arange(30).reshape(10, 3)[[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]]
    folds = triplet_folds(disjoint, 30, 3, seed=0)  # ten separate triplets: grouped folds, each answer tested once
    assert sorted(np.concatenate([test for _, test in folds]).tolist()) == list(range(11))


def test_triplet_pair_features_leave_out_image_m():
    a = np.arange(5, dtype=float).reshape(5, 1, 1)
    f = triplet_pair_features(PairFeatures({"x": (a, a)}), [[0, 3, 4]])
    first, second = f.get("x")
    assert first.ravel().tolist() == [3, 0, 0] and second.ravel().tolist() == [4, 4, 3]


def test_feature_reweighting_finds_the_channel_the_observer_uses():
    rng = np.random.default_rng(1)
    n = 36
    signal, noise = rng.normal(size=(n, 1, 4)), 3 * rng.normal(size=(n, 1, 4))
    features = np.concatenate([signal, noise], axis=1)  # [N, 2 channels, 4 values]
    triplets = np.array([rng.choice(n, 3, replace=False) for _ in range(900)])
    odd = np.argmax(pair_similarities(cosine_matrix(signal.reshape(n, -1)), triplets), axis=1)  # observer: signal
    j = Judgments.from_triplets(np.zeros((n, 2, 2), np.uint8), [f"i{k}" for k in range(n)], ODD_ONE_OUT, triplets,
                                triplets[np.arange(len(triplets)), odd], synthetic=True)
    pairs = triplet_pair_features(PairFeatures({"layer": (features, features)}), triplets)
    result = cross_validate_odd_one_out(j.odd_one_out, n, pairs, [ReadoutSpec("feature_reweighting", ["layer"])],
                                        folds=3, inner_folds=2, n_boot=100, fit_final=True)
    frozen, readout = result.rows
    assert frozen["method"] == "frozen cosine" and readout["readout"] == "feature_reweighting"
    assert readout["n_answers"] == frozen["n_answers"] == result.heldout_answers > 30
    assert readout["accuracy"] > 0.8 and readout["accuracy"] > frozen["accuracy"] + 0.2, (readout, frozen)
    weights = result.final["feature_reweighting[layer]"].params["weights"].numpy()
    assert weights[0] > 5 * weights[1]
