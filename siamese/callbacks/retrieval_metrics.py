"""Retrieval metrics of query splits against the training embeddings (pml AccuracyCalculator, faiss k-NN)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytorch_lightning as pl
import torch
from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator

from siamese.utils.embeddings import split_embeddings


def retrieval_metrics(query: dict, reference: dict, include: Sequence[str] = ("precision_at_1",)) -> dict[str, float]:
    """pml's AccuracyCalculator of ``query`` embeddings against ``reference`` embeddings (dicts with
    ``embedding`` and ``label``). ``precision_at_1`` is the 1-NN accuracy: the fraction of queries whose nearest
    reference (Euclidean, faiss exact search) has the query's label."""
    # precision@1 needs only the nearest neighbour; R-precision and MAP@R need up to the class size.
    k = 1 if set(include) <= {"precision_at_1"} else "max_bin_count"
    calculator = AccuracyCalculator(include=tuple(include), k=k, device=torch.device("cpu"))
    result = calculator.get_accuracy(
        torch.from_numpy(np.ascontiguousarray(query["embedding"])), torch.from_numpy(query["label"]),
        torch.from_numpy(np.ascontiguousarray(reference["embedding"])), torch.from_numpy(reference["label"]),
        ref_includes_query=False,
    )
    return {name: float(value) for name, value in result.items()}


class RetrievalMetrics(pl.Callback):
    """Logs ``<split>/<metric>`` for ``val_splits`` every ``every_n_epochs`` validation epochs and for
    ``test_splits`` at test time, each query split retrieved against the (unaugmented) train split."""

    def __init__(self, metrics: Sequence[str] = ("precision_at_1",), val_splits: Sequence[str] = ("val",),
                 test_splits: Sequence[str] = ("test", "test_shifted"), every_n_epochs: int = 1):
        self.metrics, self.every_n_epochs = tuple(metrics), every_n_epochs
        self.val_splits, self.test_splits = tuple(val_splits), tuple(test_splits)

    def _log(self, trainer, pl_module, splits) -> None:
        reference = split_embeddings(trainer, pl_module, "train")
        for split in splits:
            values = retrieval_metrics(split_embeddings(trainer, pl_module, split), reference, self.metrics)
            for name, value in values.items():
                pl_module.log(f"{split}/{name}", value, prog_bar=name == "precision_at_1")

    def on_validation_epoch_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking:
            return
        last = trainer.current_epoch + 1 >= (trainer.max_epochs or 0)
        if (trainer.current_epoch + 1) % self.every_n_epochs == 0 or last:
            self._log(trainer, pl_module, self.val_splits)

    def on_test_epoch_end(self, trainer, pl_module) -> None:
        self._log(trainer, pl_module, self.test_splits)
