"""The k-d tree k-NN of low-dimensional embeddings: the same neighbours as brute force, and the same metrics as
faiss through pml's AccuracyCalculator."""

import numpy as np
import pytest
import torch
from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator
from pytorch_metric_learning.utils.inference import FaissKNN

from siamese.evaluation.kdtree_knn import MAX_TREE_DIM_ANY_K, MAX_TREE_DIM_ONE, ExactKNN, KDTreeKNN
from siamese.evaluation.retrieval import nearest_references, retrieval_metrics


def points(n, dim, seed):
    return torch.from_numpy(np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32))


@pytest.mark.parametrize("ref_includes_query", [False, True])
def test_neighbours_and_squared_distances_match_brute_force(ref_includes_query):
    reference = points(300, 2, 0)
    query = reference[:40] if ref_includes_query else points(40, 2, 1)
    distances, indices = KDTreeKNN()(query, 7, reference, ref_includes_query)
    full = torch.cdist(query.double(), reference.double()) ** 2
    order = full.argsort(1)
    expected = order[:, 1:8] if ref_includes_query else order[:, :7]  # the query itself is its own nearest
    assert torch.equal(indices, expected)
    assert torch.allclose(distances.double(), full.gather(1, expected), atol=1e-5)
    assert distances.shape == (40, 7) and indices.dtype == torch.int64


def test_one_neighbour_of_one_query_keeps_two_dimensions():
    distances, indices = KDTreeKNN()(torch.tensor([[0.0, 0.0]]), 1, torch.tensor([[3.0, 4.0], [1.0, 0.0]]))
    assert indices.tolist() == [[1]] and distances.tolist() == [[1.0]]


def test_pml_metrics_equal_with_the_tree_and_with_faiss():
    rng = np.random.default_rng(3)
    labels = torch.from_numpy(rng.integers(0, 4, 500))
    reference = points(500, 2, 4) + labels[:, None].float() * 0.7
    query_labels = torch.from_numpy(rng.integers(0, 4, 120))
    query = points(120, 2, 5) + query_labels[:, None].float() * 0.7
    include = ("precision_at_1", "r_precision", "mean_average_precision_at_r")
    values = {}
    for name, knn in (("tree", KDTreeKNN()), ("faiss", FaissKNN())):
        calculator = AccuracyCalculator(include=include, k="max_bin_count", knn_func=knn)
        values[name] = calculator.get_accuracy(query, query_labels, reference, labels, ref_includes_query=False)
    for metric in include:
        assert values["tree"][metric] == pytest.approx(values["faiss"][metric], abs=1e-9), metric
    assert 0.3 < values["tree"]["precision_at_1"] < 0.95  # overlapping classes: neither trivial nor hopeless


def test_the_tree_serves_few_dimensions_and_faiss_the_rest():
    searcher = ExactKNN.searcher
    assert isinstance(searcher(2, 5400), KDTreeKNN) and isinstance(searcher(MAX_TREE_DIM_ANY_K, 5400), KDTreeKNN)
    assert isinstance(searcher(MAX_TREE_DIM_ANY_K + 1, 100), FaissKNN)
    assert isinstance(searcher(MAX_TREE_DIM_ONE, 1), KDTreeKNN)
    assert isinstance(searcher(MAX_TREE_DIM_ONE + 1, 1), FaissKNN)


@pytest.mark.parametrize("dim", [2, 8, 32])
def test_nearest_references_in_both_paths(dim):
    reference, query = points(200, dim, 6).numpy(), points(30, dim, 7).numpy()
    positions, distances = nearest_references(query, reference, 3)
    full = np.linalg.norm(query[:, None] - reference[None], axis=2)
    assert np.array_equal(positions, np.argsort(full, 1)[:, :3])
    assert np.allclose(distances, np.sort(full, 1)[:, :3], atol=1e-4)
    one = retrieval_metrics({"embedding": query, "label": np.zeros(30, dtype=np.int64)},
                            {"embedding": reference, "label": np.zeros(200, dtype=np.int64)})
    assert one["precision_at_1"] == 1.0  # one label: every nearest neighbour agrees
