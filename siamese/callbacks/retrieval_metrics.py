"""Retrieval and clustering metrics during training and at test time (the metrics: siamese.evaluation.retrieval)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from siamese.callbacks.periodic import PeriodicEvaluation
from siamese.callbacks.split_embeddings import split_embeddings
from siamese.evaluation.retrieval import (
    ALL_METRICS,
    check_metrics,
    classes_disjoint,
    evaluate_split,
    precision_standard_error,
)


class RetrievalMetrics(PeriodicEvaluation):
    """Every ``every_n_epochs`` validation epochs (and the last; the default, 1, is what the best checkpoint's
    monitor ``val/precision_at_1`` needs):

    - ``val/<m>`` for ``val_metrics`` of each ``val_splits`` split: the whole split (its embeddings come from the
      validation loop, which computed them anyway) against ``val_max_references`` training embeddings, a seeded
      subsample fixed for the run and the same one the fit/ metrics use (None: the whole train split, which costs
      a forward pass over every training image each epoch); with ``val/precision_at_1_se`` =
      sqrt(p (1 - p) / n_val), the standard error over queries. A smaller reference set reads lower than the
      whole one (the nearest same-digit image is farther); test/precision_at_1 uses the whole train split;
    - ``fit/<split>/<m>`` for ``metrics`` of each ``fit_splits`` split on ``max_queries`` queries against
      ``max_references`` training embeddings (deterministic subsamples, the same every epoch), on the evaluated
      epochs that are a multiple of ``fit_every_n_epochs`` and the last: curves that stay cheap next to an epoch
      (default 5, the embedding plot's epochs: on 4 vs 9 these six metrics of 2 x 1000 queries cost about as much
      as everything else in a validation epoch; benchmarks/results.md). Epochs without them have no fit/ keys in
      metrics_history.jsonl;
    - ``time/retrieval_metrics_s``: the wall time of all of the above, embedding included.

    At test time ``test/<m>`` and ``test_shifted/<m>`` (each ``test_splits`` split) against the whole train split:
    precision@1 on every query, the other ``metrics`` on ``test_max_queries`` queries (None: all; R-precision and
    MAP@R look at up to the class size of neighbours per query, ~5300 for 4 vs 9, which is what costs).

    A query split whose classes are all absent from the training references (``data.test_classes``, held-out
    Omniglot alphabets) is ranked leave-one-out within itself instead (``siamese.evaluation.retrieval``), since
    the training images hold no match.
    """

    def __init__(self, metrics: Sequence[str] = ALL_METRICS, val_splits: Sequence[str] = ("val",),
                 val_metrics: Sequence[str] = ("precision_at_1",), fit_splits: Sequence[str] = ("test", "test_shifted"),
                 test_splits: Sequence[str] = ("test", "test_shifted"), every_n_epochs: int = 1,
                 max_queries: int | None = 1000, max_references: int | None = 2000,
                 test_max_queries: int | None = 2000, val_max_references: int | None = 2000, seed: int = 0,
                 fit_every_n_epochs: int = 5):
        super().__init__(every_n_epochs, "retrieval_metrics")
        self.fit_every_n_epochs = self.check_period(fit_every_n_epochs, "fit_every_n_epochs")
        self.metrics, self.val_metrics = check_metrics(metrics), check_metrics(val_metrics)
        self.val_splits, self.fit_splits, self.test_splits = tuple(val_splits), tuple(fit_splits), tuple(test_splits)
        self.seed, self.val_max_references = seed, val_max_references
        self.max_queries, self.max_references, self.test_max_queries = max_queries, max_references, test_max_queries

    def logged_metrics(self, pl_module) -> set[str]:
        return ({f"{s}/{m}" for s in self.val_splits for m in self.val_metrics}
                | {f"fit/{s}/{m}" for s in self.fit_splits for m in self.metrics}
                | {f"{s}/{m}" for s in self.test_splits for m in self.metrics} | {"time/retrieval_metrics_s"})

    def evaluate(self, trainer, pl_module) -> None:
        start = time.perf_counter()
        if self.val_splits:
            reference = split_embeddings(trainer, pl_module, "train", self.val_max_references, self.seed + 1)
            for split in self.val_splits:
                query = split_embeddings(trainer, pl_module, split)
                values = evaluate_split(query, _against(query, reference), self.val_metrics)
                if "precision_at_1" in values:
                    values["precision_at_1_se"] = precision_standard_error(values["precision_at_1"],
                                                                           len(query["label"]))
                for name, value in values.items():
                    pl_module.log(f"{split}/{name}", value, prog_bar=name == "precision_at_1")
        if self.fit_splits and self.should_run(trainer, self.fit_every_n_epochs):
            reference = split_embeddings(trainer, pl_module, "train", self.max_references, self.seed + 1)
            for split in self.fit_splits:
                query = split_embeddings(trainer, pl_module, split, self.max_queries, self.seed)
                for name, value in evaluate_split(query, _against(query, reference), self.metrics).items():
                    pl_module.log(f"fit/{split}/{name}", value)
        pl_module.log("time/retrieval_metrics_s", time.perf_counter() - start)

    def on_test_epoch_end(self, trainer, pl_module) -> None:
        reference = split_embeddings(trainer, pl_module, "train")
        for split in self.test_splits:
            query = split_embeddings(trainer, pl_module, split)
            against = _against(query, reference)
            values = evaluate_split(query, against, [m for m in self.metrics if m == "precision_at_1"])
            values.update(evaluate_split(query, against, [m for m in self.metrics if m != "precision_at_1"],
                                         max_queries=self.test_max_queries, seed=self.seed))
            for name, value in values.items():
                pl_module.log(f"{split}/{name}", value)


def _against(query: dict, reference: dict) -> dict | None:
    """The references of ``query``: the training embeddings, or None (leave-one-out) when they share no class."""
    return None if classes_disjoint(query, reference) else reference
