"""Retrieval and clustering metrics on tiny hand-made embeddings: hand-computed values, pml, sklearn and a brute-force
reference (Recall@K, leave-one-out ranking)."""

import numpy as np
import pytest
import torch
from sklearn.metrics import adjusted_mutual_info_score, normalized_mutual_info_score, silhouette_score

from siamese.evaluation.embeddings import subsample_positions
from siamese.evaluation.retrieval import (
    ALL_METRICS,
    RECALL_KS,
    classes_disjoint,
    evaluate_split,
    recall_at_k,
    retrieval_metrics,
    silhouette_by_digit,
)


def points(xs, labels):
    xs = np.asarray(xs, dtype=np.float32)
    return {"embedding": np.stack([xs, np.zeros_like(xs)], 1), "label": np.asarray(labels, dtype=np.int64)}


# references: digit 0 at x = 0, 1, 2 and digit 1 at x = 10, 11, 12 (R = 3 for every query)
REFERENCE = points([0, 1, 2, 10, 11, 12], [0, 0, 0, 1, 1, 1])
# q0 (0 at 0.4): 3 nearest 0,1,2 -> all right.        q1 (1 at 2.6): nearest 2,1,0 -> all wrong.
# q2 (0 at 5.8): nearest 2 (0), 10 (1), 1 (0).         q3 (1 at 7.1): nearest 10, 11, 12 -> all right.
QUERY = points([0.4, 2.6, 5.8, 7.1], [0, 1, 0, 1])


def test_precision_r_precision_map_at_r_match_hand_computed_values():
    values = retrieval_metrics(QUERY, REFERENCE, ("precision_at_1", "r_precision", "mean_average_precision_at_r"))
    assert values["precision_at_1"] == pytest.approx(3 / 4)
    assert values["r_precision"] == pytest.approx((1 + 0 + 2 / 3 + 1) / 4)
    # AP@R of q2: (P(1) * 1 + P(3) * 1) / R = (1 + 2/3) / 3 = 5/9
    assert values["mean_average_precision_at_r"] == pytest.approx((1 + 0 + 5 / 9 + 1) / 4)


def test_nmi_ami_match_sklearn_on_the_kmeans_clusters():
    # two far-apart blobs (k-means finds them exactly), labels mixed across them
    xs = [0, 0.1, 0.2, 0.3, 100, 100.1, 100.2, 100.3]
    labels = [0, 0, 0, 1, 1, 1, 1, 0]
    blob = [0, 0, 0, 0, 1, 1, 1, 1]
    values = retrieval_metrics(points(xs, labels), REFERENCE, ("NMI", "AMI"))
    assert values["NMI"] == pytest.approx(normalized_mutual_info_score(labels, blob), abs=1e-6)
    assert values["AMI"] == pytest.approx(adjusted_mutual_info_score(labels, blob), abs=1e-6)


def test_silhouette_by_digit_matches_the_formula_and_sklearn():
    rng = np.random.default_rng(0)
    embedding, label = rng.normal(size=(12, 3)), np.array([0] * 5 + [1] * 4 + [2] * 3)
    distance = np.linalg.norm(embedding[:, None] - embedding[None], axis=-1)
    s = []
    for i in range(12):
        same = (label == label[i]) & (np.arange(12) != i)
        a = distance[i, same].mean()
        b = min(distance[i, label == other].mean() for other in set(label.tolist()) - {label[i]})
        s.append((b - a) / max(a, b))
    assert silhouette_by_digit(embedding, label) == pytest.approx(np.mean(s))
    assert silhouette_by_digit(embedding, label) == pytest.approx(silhouette_score(embedding, label))
    assert np.isnan(silhouette_by_digit(embedding, np.zeros(12, int)))


def test_all_metrics_match_pml_directly_and_subsampling_is_the_explicit_subset():
    from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator

    rng = np.random.default_rng(1)
    ref = {"embedding": rng.normal(size=(300, 4)).astype(np.float32), "label": rng.integers(0, 3, 300)}
    ref["embedding"][:, 0] += 2 * ref["label"]
    query = {"embedding": rng.normal(size=(120, 4)).astype(np.float32), "label": rng.integers(0, 3, 120)}
    query["embedding"][:, 0] += 2 * query["label"]
    ours = evaluate_split(query, ref, ALL_METRICS)
    pml = AccuracyCalculator(include=("precision_at_1", "r_precision", "mean_average_precision_at_r"),
                             k="max_bin_count").get_accuracy(torch.from_numpy(query["embedding"]),
                                                             torch.from_numpy(query["label"]),
                                                             torch.from_numpy(ref["embedding"]),
                                                             torch.from_numpy(ref["label"]), ref_includes_query=False)
    for name, value in pml.items():
        assert ours[name] == pytest.approx(value)
    assert ours["silhouette"] == pytest.approx(silhouette_score(query["embedding"], query["label"]))
    sub = evaluate_split(query, ref, ["precision_at_1", "mean_average_precision_at_r"], max_queries=50,
                         max_references=100, seed=3)
    q, r = subsample_positions(120, 50, 3), subsample_positions(300, 100, 4)
    assert len(q) == 50 and np.all(np.diff(q) > 0)
    explicit = retrieval_metrics({k: v[q] for k, v in query.items()}, {k: v[r] for k, v in ref.items()},
                                 ["precision_at_1", "mean_average_precision_at_r"])
    assert sub == pytest.approx(explicit)


def test_unknown_metric_is_named():
    with pytest.raises(ValueError, match="unknown metric.*'map'"):
        evaluate_split(QUERY, REFERENCE, ["map"])


# x = 0 (A), 1 (B), 3 (A), 10 (B), 11 (C), 30 (C). Leave-one-out, the first same-class neighbour of each point
# is its 2nd, 3rd, 2nd, 3rd, 5th and 1st nearest: Recall@1 = 1/6, @2 = 3/6, @4 = 5/6, @8 = 6/6.
POINTS = {"embedding": np.array([[0.0], [1.0], [3.0], [10.0], [11.0], [30.0]], dtype=np.float32),
          "label": np.array([0, 1, 0, 1, 2, 2])}


def brute_force_recall(query, reference, k, leave_one_out):
    distances = np.abs(query["embedding"] - reference["embedding"].T)  # 1-D: |q - r|
    if leave_one_out:
        np.fill_diagonal(distances, np.inf)
    order = np.argsort(distances, axis=1, kind="stable")[:, :k]
    return float((reference["label"][order] == query["label"][:, None]).any(axis=1).mean())


def test_recall_at_k_leave_one_out_by_hand():
    assert recall_at_k(POINTS, None) == pytest.approx({"recall_at_1": 1 / 6, "recall_at_2": 3 / 6,
                                                      "recall_at_4": 5 / 6, "recall_at_8": 1.0})
    for k in RECALL_KS:
        assert recall_at_k(POINTS, None, [k])[f"recall_at_{k}"] == pytest.approx(brute_force_recall(POINTS, POINTS, k,
                                                                                                    True))


def test_recall_at_k_against_references_matches_brute_force():
    rng = np.random.default_rng(0)
    query = {"embedding": rng.normal(size=(40, 3)).astype(np.float32), "label": rng.integers(0, 5, 40)}
    reference = {"embedding": rng.normal(size=(60, 3)).astype(np.float32), "label": rng.integers(0, 5, 60)}
    got = recall_at_k(query, reference)
    for k in RECALL_KS:
        dist = np.linalg.norm(query["embedding"][:, None] - reference["embedding"][None], axis=2)
        order = np.argsort(dist, axis=1)[:, :k]
        expected = (reference["label"][order] == query["label"][:, None]).any(axis=1).mean()
        assert got[f"recall_at_{k}"] == pytest.approx(expected)


def test_leave_one_out_excludes_the_query_itself():
    # with itself counted every query would be its own nearest match (precision@1 = 1); excluded: 1/6.
    # Each class has one other member (R = 1), so MAP@R = precision@1.
    values = retrieval_metrics(POINTS, None, ["precision_at_1", "mean_average_precision_at_r", "recall_at_2"])
    assert values == pytest.approx({"precision_at_1": 1 / 6, "mean_average_precision_at_r": 1 / 6,
                                    "recall_at_2": 3 / 6})
    assert evaluate_split(POINTS, None, ["recall_at_4"]) == pytest.approx({"recall_at_4": 5 / 6})


def test_classes_disjoint():
    other = {"embedding": POINTS["embedding"], "label": POINTS["label"] + 3}
    assert classes_disjoint(POINTS, other) and not classes_disjoint(POINTS, POINTS)
