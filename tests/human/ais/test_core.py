"""Alignment importance on SYNTHETIC data with a known answer, against a brute-force recomputation."""

import numpy as np
import pytest
import torch
from scipy import stats

from siamese.evaluation.folds import random_image_split
from siamese.human.ais.core import (
    HumanPairs,
    MapTerms,
    alignment,
    alignment_importance,
    prune_by_ais,
)
from siamese.human.ais.held_out import cross_validate
from siamese.human.ais.maps import ais_heatmaps, ais_weights, per_image_alignment
from siamese.human.compare.stats import correlate_columns

TRUE_MAPS = [2, 5, 11]


def synthetic_case(n=60, k=16, seed=0, noise=0.02):
    """SYNTHETIC: random feature maps; the 'human' matrix is the cosine similarity over TRUE_MAPS only, plus noise."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, k, 4, 4)) + 0.5
    true = features[:, TRUE_MAPS].reshape(n, -1)
    true = true / np.linalg.norm(true, axis=1, keepdims=True)
    matrix = true @ true.T + noise * rng.normal(size=(n, n))
    return features, HumanPairs.from_matrix((matrix + matrix.T) / 2)


def brute_force_rho(features, human, drop=None):
    f = torch.as_tensor(features)
    if drop is not None:
        f = torch.cat([f[:, :drop], f[:, drop + 1:]], dim=1)
    f = torch.nn.functional.normalize(f.flatten(1), dim=1)
    z = (f @ f.T).numpy()
    i, j = human.pairs.T
    return stats.spearmanr(z[i, j], human.values).statistic


def test_ais_equals_brute_force_recomputation():
    features, human = synthetic_case(n=25, k=12)
    ais, rho_all = alignment_importance(MapTerms.compute(features, human.pairs), human)
    assert rho_all == pytest.approx(brute_force_rho(features, human), abs=1e-10)
    expected = [brute_force_rho(features, human) - brute_force_rho(features, human, drop=k) for k in range(12)]
    assert np.allclose(ais, expected, atol=1e-10)


def test_pearson_for_rated_pairs_and_mean_pooling():
    rng = np.random.default_rng(1)
    features = rng.normal(size=(10, 3, 2, 2))
    pairs = np.array([[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]])
    human = HumanPairs(pairs, [1, 4, 2, 9, 5], 10, "pearson")
    pooled = features.mean(axis=(2, 3))
    a, b = pooled[pairs[:, 0]], pooled[pairs[:, 1]]
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    terms = MapTerms.compute(features, pairs, pooling="mean")
    assert alignment(terms, human) == pytest.approx(stats.pearsonr(cos, human.values).statistic)


def test_correlations_equal_scipy():
    x, y = np.array([[1.0, 3], [2, 1], [3, 7], [4, 2]]), np.array([2.0, 1, 4, 3])
    assert correlate_columns(x, y, "pearson")[1] == pytest.approx(stats.pearsonr(x[:, 1], y).statistic)
    assert correlate_columns(x, y, "spearman")[1] == pytest.approx(stats.spearmanr(x[:, 1], y).statistic)


def test_ais_ranks_the_channels_that_built_the_human_matrix_on_top():
    features, human = synthetic_case()
    ais, _ = alignment_importance(MapTerms.compute(features, human.pairs), human)
    assert sorted(np.argsort(-ais)[:3].tolist()) == TRUE_MAPS
    assert ais[TRUE_MAPS].min() > 5 * np.delete(ais, TRUE_MAPS).max()
    pruned = prune_by_ais(MapTerms.compute(features, human.pairs), human, ais)
    assert pruned.selected.tolist() == TRUE_MAPS and pruned.rho_selected > pruned.rho_all + 0.3


def test_pruning_raises_heldout_alignment_in_cross_validation():
    features, human = synthetic_case(noise=0.05)
    result = cross_validate(features, human, repeats=8, seed=0)
    summary = result.summary()
    assert len(result.rho_all) == 8
    assert (result.rho_selected > result.rho_all).all() and summary["p"] < 0.001
    assert summary["gain_ci_low"] > 0.2
    assert (result.selection_counts[TRUE_MAPS] == 8).all()


@pytest.mark.parametrize("kind", ["matrix", "pairs"])
def test_cv_splits_never_share_images(kind):
    rng = np.random.default_rng(0)
    if kind == "matrix":
        human = HumanPairs.from_matrix(rng.normal(size=(30, 30)))
    else:  # 20 rated pairs of 40 distinct images, as make-pairs writes them
        human = HumanPairs(rng.permutation(40).reshape(20, 2), rng.integers(1, 11, 20), 40)
    for _ in range(8):
        train, test = random_image_split(human.pairs, human.num_images, 0.2, rng)
        assert not set(train) & set(test) and len(train) + len(test) == human.num_images
        train_pairs, test_pairs = human.restrict(train), human.restrict(test)
        assert not set(train_pairs.pairs.ravel()) & set(test_pairs.pairs.ravel())
        if kind == "pairs":  # no rated pair is lost to the split
            assert len(train_pairs.pairs) + len(test_pairs.pairs) == 20 and len(test_pairs.pairs) == 4


def test_heatmap_weights_and_upsampling():
    assert ais_weights(np.array([0.3, -0.2, 0.1])).tolist() == pytest.approx([0.75, 0.0, 0.25])
    maps = np.zeros((2, 2, 2, 2))  # image 1 is blank: image 0's activations are above the mean over the images
    maps[0, 0, 0, 0] = 1.0  # map 0 fires top-left, map 1 bottom-right
    maps[0, 1, 1, 1] = 1.0
    heat = ais_heatmaps(maps, np.array([1.0, -1.0]), (8, 8))
    assert heat.shape == (2, 8, 8) and heat[0, 0, 0] == 1.0 and heat[0, 7, 7] == 0.0


def test_per_image_alignment_is_the_mean_pair_agreement():
    human = HumanPairs(np.array([[0, 1], [1, 2], [3, 4]]), [1.0, 2.0, 3.0], 6)
    scores = per_image_alignment(np.array([0.1, 0.2, 0.3]), human)  # same order: full agreement
    assert scores[:5].tolist() == [1.0] * 5 and np.isnan(scores[5])
    reversed_scores = per_image_alignment(np.array([0.3, 0.2, 0.1]), human)
    assert reversed_scores[0] == 0.0 and reversed_scores[1] == 0.5


def test_read_layer_works_for_framework_nets_and_any_torch_module(tmp_path):
    import torchvision

    from siamese.human.io.image_files import load_images
    from siamese.models import ClassifierNet
    from siamese.models.layer_reader import read_layer
    from siamese.models.sources import load_source

    net = ClassifierNet(num_classes=10)
    x = torch.randn(5, 1, 28, 28)
    assert read_layer(net, "conv2", x, batch_size=2).shape == (5, 20, 4, 4)
    resnet = torchvision.models.resnet18(weights=None)
    torch.save(resnet.state_dict(), tmp_path / "weights.pt")
    loaded = load_source("torchvision:resnet18", str(tmp_path / "weights.pt"), size=64)
    synthetic = np.random.default_rng(0).integers(0, 255, size=(3, 40, 40), dtype=np.uint8)
    np.savez(tmp_path / "synthetic_images.npz", images=synthetic, image_id=np.array(["a", "b", "c"]))
    images, ids = load_images(tmp_path / "synthetic_images.npz")
    features = loaded.activations(images, ["layer4"])["layer4"]  # grey 40x40 -> RGB 64x64, ImageNet mean/std
    assert ids == ["a", "b", "c"] and features.shape == (3, 512, 2, 2)
    with pytest.raises(KeyError, match="unknown layer 'layer9'"):
        loaded.activations(images, ["layer9"])
