"""Retrieval and clustering metrics of query splits against reference embeddings (pml AccuracyCalculator with
exact k-NN: a k-d tree for low-dimensional embeddings, faiss above; faiss k-means; silhouette by digit from
sklearn).

References: the training embeddings when the query classes are among them; leave-one-out within the query split
(``reference=None``: each query ranks every other query, its own match excluded, pml's ``ref_includes_query``)
when the query classes are disjoint from training (``data.test_classes``, held-out Omniglot alphabets), as the
Metric Learning Reality Check (Musgrave et al. 2020) measures unseen classes. Definitions (query q with label y_q,
Euclidean distance, R_q = number of references with label y_q):

- ``precision_at_1``: fraction of queries whose nearest reference has the query's label (1-NN accuracy).
- ``r_precision``: mean over queries of (same-label references among the R_q nearest) / R_q.
- ``mean_average_precision_at_r`` (MAP@R, Musgrave et al. 2020): mean over queries of
  1/R_q * sum_{i<=R_q} P(i) * rel(i), P(i) the precision among the i nearest, rel(i) = 1 if the i-th is same-label.
- ``recall_at_K`` (K = 1, 2, 4, 8; Recall@K of the deep-metric-learning literature): fraction of queries with at
  least one same-label reference among their K nearest (``recall_at_1`` = ``precision_at_1``).
- ``NMI`` / ``AMI``: (adjusted) normalized mutual information between the query labels and a k-means clustering
  of the query embeddings into as many clusters as there are labels (faiss k-means; sklearn's NMI/AMI).
- ``silhouette``: mean over points of (b - a) / max(a, b), a = mean distance to the same digit, b = mean distance
  to the nearest other digit (sklearn ``silhouette_score``, Euclidean, clusters = digits).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import torch
from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator

from siamese.evaluation.embeddings import subsample_positions, take
from siamese.evaluation.kdtree_knn import ExactKNN

logging.getLogger("PML").setLevel(logging.ERROR)  # pml logs every k-NN call (and warns about bounded k)

PML_METRICS = ("precision_at_1", "r_precision", "mean_average_precision_at_r", "NMI", "AMI")
RECALL_KS = (1, 2, 4, 8)
RECALL_METRICS = tuple(f"recall_at_{k}" for k in RECALL_KS)
ALL_METRICS = (*PML_METRICS, *RECALL_METRICS, "silhouette")
R_METRICS = {"r_precision", "mean_average_precision_at_r"}


def check_metrics(metrics: Sequence[str], key: str = "callbacks.retrieval_metrics.metrics") -> tuple[str, ...]:
    """``metrics`` as a tuple; an unknown name raises ValueError naming ``key`` and the choices."""
    metrics = tuple(metrics)
    unknown = [m for m in metrics if m not in ALL_METRICS]
    if unknown:
        raise ValueError(f"{key}: unknown metric(s) {unknown}; choose from {list(ALL_METRICS)}")
    return metrics


def _rows(embedding: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(embedding, dtype=np.float32))


def classes_disjoint(query: dict, reference: dict) -> bool:
    """True when no query label is a reference label (then only leave-one-out within the queries can match)."""
    return not np.isin(query["label"], reference["label"]).any()


def retrieval_metrics(query: dict, reference: dict | None, include: Sequence[str] = ("precision_at_1",)
                      ) -> dict[str, float]:
    """pml's AccuracyCalculator of ``query`` embeddings against ``reference`` embeddings (dicts with
    ``embedding`` and ``label``; None: leave-one-out within ``query``), exact k-NN (``ExactKNN``: a k-d tree in
    few dimensions, faiss above); ``include`` any of ``PML_METRICS`` and ``RECALL_METRICS`` (module docstring).
    k is 1 for precision@1 alone, else the largest class size of the reference (what R-precision and MAP@R
    need; the cost grows with it)."""
    include = tuple(m for m in check_metrics(include, "include") if m != "silhouette")
    values = recall_at_k(query, reference, [int(m.rsplit("_", 1)[1]) for m in include if m in RECALL_METRICS])
    include = tuple(m for m in include if m in PML_METRICS)
    if not include:
        return values
    k = "max_bin_count" if R_METRICS & set(include) else 1
    calculator = AccuracyCalculator(include=include, k=k, device=torch.device("cpu"), knn_func=ExactKNN())
    if reference is None:
        result = calculator.get_accuracy(_rows(query["embedding"]), torch.from_numpy(query["label"]))
    else:
        result = calculator.get_accuracy(_rows(query["embedding"]), torch.from_numpy(query["label"]),
                                         _rows(reference["embedding"]), torch.from_numpy(reference["label"]),
                                         ref_includes_query=False)
    return {**{name: float(value) for name, value in result.items()}, **values}


def recall_at_k(query: dict, reference: dict | None, ks: Sequence[int] = RECALL_KS) -> dict[str, float]:
    """``{"recall_at_K": fraction of queries with a same-label reference among their K nearest}`` for each K in
    ``ks``; ``reference`` None: leave-one-out within ``query`` (the query itself excluded, as pml excludes it)."""
    if not ks:
        return {}
    search = query if reference is None else reference
    k = min(max(ks), len(search["label"]) - int(reference is None))
    if k < 1:
        return {f"recall_at_{K}": float("nan") for K in ks}
    _, positions = ExactKNN()(_rows(query["embedding"]), k, _rows(search["embedding"]), reference is None)
    same = search["label"][positions.numpy()] == query["label"][:, None]  # [Q, k]
    return {f"recall_at_{K}": float(same[:, :K].any(axis=1).mean()) for K in ks}


def silhouette_by_digit(embedding: np.ndarray, label: np.ndarray) -> float:
    """sklearn's mean silhouette coefficient with the digits as clusters (NaN with fewer than 2 digits)."""
    from sklearn.metrics import silhouette_score

    if len(np.unique(label)) < 2 or len(label) < 3:
        return float("nan")
    return float(silhouette_score(embedding, label, metric="euclidean"))


def precision_standard_error(precision: float, num_queries: int) -> float:
    """Standard error of a precision@1 measured on ``num_queries`` independent queries: sqrt(p (1 - p) / n)
    (binomial; the spread from which queries were drawn, with the references held fixed). Example: p = 0.9 on
    1000 queries -> 0.0095."""
    if num_queries < 1:
        return float("nan")
    return float((precision * (1.0 - precision) / num_queries) ** 0.5)


def evaluate_split(query: dict, reference: dict | None, metrics: Sequence[str] = ALL_METRICS,
                   max_queries: int | None = None, max_references: int | None = None, seed: int = 0
                   ) -> dict[str, float]:
    """All ``metrics`` of one query split; ``max_queries`` / ``max_references`` evaluate deterministic uniform
    subsamples (``subsample_positions``) instead of the whole sets; ``reference`` None: leave-one-out within the
    (subsampled) queries. Silhouette is computed on the queries."""
    metrics = check_metrics(metrics)
    query = take(query, subsample_positions(len(query["label"]), max_queries, seed))
    if reference is not None:
        reference = take(reference, subsample_positions(len(reference["label"]), max_references, seed + 1))
    values = retrieval_metrics(query, reference, metrics)
    if "silhouette" in metrics:
        values["silhouette"] = silhouette_by_digit(query["embedding"], query["label"])
    return values


def nearest_references(query: np.ndarray, reference: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest references of each query (Euclidean; ``ExactKNN``: a k-d tree in few dimensions,
    faiss IndexFlatL2 above): ``(positions [Q, k], distances [Q, k])``, nearest first."""
    k = min(k, len(reference))
    rows = [torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)) for x in (query, reference)]
    squared, positions = ExactKNN()(rows[0], k, rows[1])
    return positions.numpy().astype(np.int64), np.sqrt(np.maximum(squared.numpy(), 0))


def misclassified(query: dict, reference: dict, k: int = 5) -> dict[str, np.ndarray]:
    """The queries whose nearest reference has another label (the 1-NN errors, i.e. 1 - precision@1):
    ``query`` positions [E] (ordered most confident first: smallest distance to that wrong neighbour),
    ``neighbours`` [E, k] reference positions and ``distances`` [E, k]."""
    positions, distances = nearest_references(query["embedding"], reference["embedding"], k)
    wrong = np.flatnonzero(reference["label"][positions[:, 0]] != query["label"])
    order = wrong[np.argsort(distances[wrong, 0], kind="stable")]
    return {"query": order, "neighbours": positions[order], "distances": distances[order]}
