"""Retrieval and clustering metrics of query splits against the training embeddings (pml AccuracyCalculator with
faiss k-NN and k-means; silhouette by digit from sklearn).

Definitions (query q with label y_q, references = training embeddings, Euclidean distance, R_q = number of
references with label y_q):

- ``precision_at_1``: fraction of queries whose nearest reference has the query's label (1-NN accuracy).
- ``r_precision``: mean over queries of (same-label references among the R_q nearest) / R_q.
- ``mean_average_precision_at_r`` (MAP@R, Musgrave et al. 2020): mean over queries of
  1/R_q * sum_{i<=R_q} P(i) * rel(i), P(i) the precision among the i nearest, rel(i) = 1 if the i-th is same-label.
- ``NMI`` / ``AMI``: (adjusted) normalized mutual information between the query labels and a k-means clustering
  of the query embeddings into as many clusters as there are labels (faiss k-means; sklearn's NMI/AMI).
- ``silhouette``: mean over points of (b - a) / max(a, b), a = mean distance to the same digit, b = mean distance
  to the nearest other digit (sklearn ``silhouette_score``, Euclidean, clusters = digits).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np
import torch
from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator
from pytorch_metric_learning.utils.inference import FaissKNN

from siamese.callbacks.periodic import PeriodicEvaluation
from siamese.utils.embeddings import split_embeddings, subsample_positions, take

logging.getLogger("PML").setLevel(logging.ERROR)  # pml logs every k-NN call (and warns about bounded k)

PML_METRICS = ("precision_at_1", "r_precision", "mean_average_precision_at_r", "NMI", "AMI")
ALL_METRICS = (*PML_METRICS, "silhouette")
R_METRICS = {"r_precision", "mean_average_precision_at_r"}


def _check_metrics(metrics: Sequence[str], key: str = "callbacks.retrieval_metrics.metrics") -> tuple[str, ...]:
    metrics = tuple(metrics)
    unknown = [m for m in metrics if m not in ALL_METRICS]
    if unknown:
        raise ValueError(f"{key}: unknown metric(s) {unknown}; choose from {list(ALL_METRICS)}")
    return metrics


def retrieval_metrics(query: dict, reference: dict, include: Sequence[str] = ("precision_at_1",)) -> dict[str, float]:
    """pml's AccuracyCalculator of ``query`` embeddings against ``reference`` embeddings (dicts with
    ``embedding`` and ``label``), faiss exact k-NN; ``include`` any of ``PML_METRICS`` (see the module docstring).
    k is 1 for precision@1 alone, else the largest class size of the reference (what R-precision and MAP@R
    need; the cost grows with it)."""
    include = tuple(m for m in _check_metrics(include, "include") if m != "silhouette")
    if not include:
        return {}
    k = "max_bin_count" if R_METRICS & set(include) else 1
    calculator = AccuracyCalculator(include=include, k=k, device=torch.device("cpu"), knn_func=FaissKNN())
    result = calculator.get_accuracy(
        torch.from_numpy(np.ascontiguousarray(query["embedding"], dtype=np.float32)), torch.from_numpy(query["label"]),
        torch.from_numpy(np.ascontiguousarray(reference["embedding"], dtype=np.float32)),
        torch.from_numpy(reference["label"]), ref_includes_query=False,
    )
    return {name: float(value) for name, value in result.items()}


def silhouette_by_digit(embedding: np.ndarray, label: np.ndarray) -> float:
    """sklearn's mean silhouette coefficient with the digits as clusters (NaN with fewer than 2 digits)."""
    from sklearn.metrics import silhouette_score

    if len(np.unique(label)) < 2 or len(label) < 3:
        return float("nan")
    return float(silhouette_score(embedding, label, metric="euclidean"))


def evaluate_split(query: dict, reference: dict, metrics: Sequence[str] = ALL_METRICS, max_queries: int | None = None,
                   max_references: int | None = None, seed: int = 0) -> dict[str, float]:
    """All ``metrics`` of one query split; ``max_queries`` / ``max_references`` evaluate deterministic uniform
    subsamples (``subsample_positions``) instead of the whole sets. Silhouette is computed on the queries."""
    metrics = _check_metrics(metrics)
    query = take(query, subsample_positions(len(query["label"]), max_queries, seed))
    reference = take(reference, subsample_positions(len(reference["label"]), max_references, seed + 1))
    values = retrieval_metrics(query, reference, metrics)
    if "silhouette" in metrics:
        values["silhouette"] = silhouette_by_digit(query["embedding"], query["label"])
    return values


class RetrievalMetrics(PeriodicEvaluation):
    """Every ``every_n_epochs`` validation epochs (and the last):

    - ``val/<m>`` for ``val_metrics`` of each ``val_splits`` split (whole split vs the whole train split);
    - ``fit/<split>/<m>`` for ``metrics`` of each ``fit_splits`` split on ``max_queries`` queries against
      ``max_references`` training embeddings (deterministic subsamples, the same every epoch): curves that stay
      cheap next to an epoch;
    - ``time/retrieval_metrics_s``: the wall time of all of the above, embedding included.

    At test time ``test/<m>`` and ``test_shifted/<m>`` (each ``test_splits`` split) against the whole train split:
    precision@1 on every query, the other ``metrics`` on ``test_max_queries`` queries (None: all; R-precision and
    MAP@R look at up to the class size of neighbours per query, ~5300 for 4 vs 9, which is what costs).
    """

    def __init__(self, metrics: Sequence[str] = ALL_METRICS, val_splits: Sequence[str] = ("val",),
                 val_metrics: Sequence[str] = ("precision_at_1",), fit_splits: Sequence[str] = ("test", "test_shifted"),
                 test_splits: Sequence[str] = ("test", "test_shifted"), every_n_epochs: int = 1,
                 max_queries: int | None = 1000, max_references: int | None = 2000,
                 test_max_queries: int | None = 2000, seed: int = 0):
        super().__init__(every_n_epochs, "retrieval_metrics")
        self.metrics, self.val_metrics = _check_metrics(metrics), _check_metrics(val_metrics)
        self.val_splits, self.fit_splits, self.test_splits = tuple(val_splits), tuple(fit_splits), tuple(test_splits)
        self.seed = seed
        self.max_queries, self.max_references, self.test_max_queries = max_queries, max_references, test_max_queries

    def evaluate(self, trainer, pl_module) -> None:
        start = time.perf_counter()
        if self.val_splits:
            reference = split_embeddings(trainer, pl_module, "train")
            for split in self.val_splits:
                values = evaluate_split(split_embeddings(trainer, pl_module, split), reference, self.val_metrics)
                for name, value in values.items():
                    pl_module.log(f"{split}/{name}", value, prog_bar=name == "precision_at_1")
        if self.fit_splits:
            reference = split_embeddings(trainer, pl_module, "train", self.max_references, self.seed + 1)
            for split in self.fit_splits:
                query = split_embeddings(trainer, pl_module, split, self.max_queries, self.seed)
                for name, value in evaluate_split(query, reference, self.metrics).items():
                    pl_module.log(f"fit/{split}/{name}", value)
        pl_module.log("time/retrieval_metrics_s", time.perf_counter() - start)

    def on_test_epoch_end(self, trainer, pl_module) -> None:
        reference = split_embeddings(trainer, pl_module, "train")
        for split in self.test_splits:
            query = split_embeddings(trainer, pl_module, split)
            values = evaluate_split(query, reference, [m for m in self.metrics if m == "precision_at_1"])
            values.update(evaluate_split(query, reference, [m for m in self.metrics if m != "precision_at_1"],
                                         max_queries=self.test_max_queries, seed=self.seed))
            for name, value in values.items():
                pl_module.log(f"{split}/{name}", value)
