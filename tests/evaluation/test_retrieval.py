"""Recall@K and leave-one-out ranking (siamese.evaluation.retrieval) on a hand-made 1-D embedding, checked by hand
and against a brute-force reference."""

import numpy as np
import pytest

from siamese.evaluation.retrieval import RECALL_KS, classes_disjoint, evaluate_split, recall_at_k, retrieval_metrics

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
