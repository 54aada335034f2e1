"""The SYNTHETIC hidden-observer observer_set: exact rating model on hand cases, files that say SYNTHETIC in their
content, and the property it exists for: raw pixels sit well below the simulated raters' noise ceiling."""

import csv
import json

import numpy as np
import pytest
import torch

from siamese.human.__main__ import main as human_main
from siamese.human.compare.correlation import noise_ceiling
from siamese.human.compare.observer import (
    RATINGS_FILE,
    RandomConvObserver,
    RaterModel,
    center_and_cosine,
    percept,
    simulate_ratings,
)
from siamese.human.compare.similarity import pixel_similarity
from siamese.human.compare.stats import pearson
from siamese.human.io.pair_set import load_pair_set
from siamese.human.io.ratings import load_ratings
from siamese.human.io.read import from_pair_set


@pytest.fixture(scope="module")
def observer_set(tmp_path_factory):
    out = tmp_path_factory.mktemp("observer")
    assert human_main(["make-observer", str(out), "--per-digit", "10", "--seed", "0"]) == 0
    return out


def test_percept_and_centered_cosine_on_hand_cases():
    q = percept([0.0, 1.0, 2.0])  # z = (-1.2247, 0, 1.2247) -> tanh -> standardized
    t = np.tanh(np.array([-1, 0, 1]) * np.sqrt(1.5))
    np.testing.assert_allclose(q, (t - t.mean()) / t.std())
    a, b = np.array([[2.0, 0.0], [0.0, 2.0]]), np.array([[0.0, 0.0], [2.0, 2.0]])
    # mean feature (1, 1): centered a = (1,-1), (-1,1); b = (-1,-1), (1,1)
    np.testing.assert_allclose(center_and_cosine(a, b), [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(center_and_cosine(a, a[::-1]), [-1.0, -1.0])


def test_simulated_ratings_follow_the_rater_model_exactly():
    similarity = np.array([0.1, 0.5, 0.3, 0.9])
    rows, drawn = simulate_ratings(similarity, ["a", "b", "c", "d"], RaterModel(n_raters=3, noise=0.0, missing=0.0))
    q = percept(similarity)
    for rater in drawn:
        expected = np.clip(np.rint(rater["offset"] + rater["scale"] * q), 1, 10)
        got = [row[2] for row in rows if row[0] == rater["rater"]]
        np.testing.assert_array_equal(got, expected)
        assert 4 <= rater["offset"] <= 7 and 0.8 <= rater["scale"] <= 2.5
    assert all(row[0].startswith("synthetic_rater_") and row[3] == 1 for row in rows)
    with pytest.raises(ValueError, match="n_raters=1 must be >= 2"):
        simulate_ratings(similarity, list("abcd"), RaterModel(n_raters=1))


def test_observer_features_are_a_fixed_seeded_network():
    images = np.random.default_rng(0).integers(0, 256, size=(3, 28, 28)).astype(np.uint8)
    first, second = RandomConvObserver(5).features(images), RandomConvObserver(5).features(images)
    np.testing.assert_array_equal(first, second)
    assert first.shape == (3, 32)
    assert not np.allclose(first, RandomConvObserver(6).features(images))
    observer = RandomConvObserver(5)
    x = torch.as_tensor(images, dtype=torch.float64)[:, None] / 255 - 0.1307
    conv1, conv2 = observer.net[0], observer.net[3]
    by_hand = torch.relu(conv2(torch.nn.functional.max_pool2d(torch.relu(conv1(x)), 4))).mean(dim=(2, 3))
    np.testing.assert_allclose(first, by_hand.detach().numpy(), atol=1e-12)


def test_benchmark_files_say_synthetic_in_their_content(observer_set):
    with open(observer_set / "pairs.csv") as f:
        assert {row["synthetic"] for row in csv.DictReader(f)} == {"1"}
    with open(observer_set / RATINGS_FILE) as f:
        rows = list(csv.DictReader(f))
    assert {row["synthetic"] for row in rows} == {"1"}
    assert all(row["rater"].startswith("synthetic_") for row in rows)
    info = json.loads((observer_set / "observer.json").read_text())
    assert "not given by people" in info["SYNTHETIC"] and info["pairs"] == 100


def test_ratings_have_rater_offsets_rounding_and_gaps(observer_set):
    pairs = load_pair_set(observer_set)
    ratings = load_ratings(observer_set / RATINGS_FILE, pairs.pair_id)
    info = json.loads((observer_set / "observer.json").read_text())
    values = ratings.matrix[np.isfinite(ratings.matrix)]
    assert set(np.unique(values)) <= set(range(1, 11)) and len(ratings.raters) == 8
    missing = np.isnan(ratings.matrix).mean()
    assert 0.04 < missing < 0.18  # 10% expected; 800 draws
    offsets = [rater["offset"] for rater in info["raters"]]
    assert pearson(np.nanmean(ratings.matrix, axis=1), np.array(offsets)) > 0.8


def test_pixels_sit_well_below_the_noise_ceiling_and_the_observer_at_it(observer_set):
    pairs = load_pair_set(observer_set)
    ratings = load_ratings(observer_set / RATINGS_FILE, pairs.pair_id)
    with open(observer_set / "observer_truth.csv") as f:
        truth = np.array([float(row["t"]) for row in csv.DictReader(f)])
    ceiling = noise_ceiling(from_pair_set(pairs, ratings))["ceiling_loo_r"]
    pixels = pearson(pixel_similarity(pairs.images_a, pairs.images_b), ratings.mean())
    observer = pearson(truth, ratings.mean())
    assert ceiling > 0.75
    assert pixels < ceiling - 0.3, (pixels, ceiling)
    assert observer > ceiling  # the hidden observer itself predicts the mean rating better than one rater does


def test_a_checkpoint_layer_can_be_the_observer(random_classifier_ckpt, tmp_path):
    from siamese.models.loading import load_net

    out = tmp_path / "ckpt_observer"
    assert human_main(["make-observer", str(out), "--per-digit", "4", "--digits", "0", "6", "--raters", "3",
                       "--observer-ckpt", str(random_classifier_ckpt), "--observer-layer", "conv2"]) == 0
    info = json.loads((out / "observer.json").read_text())
    assert info["observer"] == "checkpoint" and info["layer"] == "conv2"
    pairs = load_pair_set(out)
    loaded = load_net(random_classifier_ckpt)
    features = [loaded.activations(im, ["conv2"])["conv2"].reshape(len(im), -1) for im in (pairs.images_a,
                                                                                          pairs.images_b)]
    with open(out / "observer_truth.csv") as f:
        truth = np.array([float(row["t"]) for row in csv.DictReader(f)])
    np.testing.assert_allclose(truth, center_and_cosine(*features), atol=1e-6)
