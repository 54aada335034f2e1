"""Do shifted digits form separate (digit, shift direction) clusters? ``shift_cluster_metrics`` of the shifted test
set during training and at test time."""

from __future__ import annotations

from siamese.callbacks.periodic import PeriodicEvaluation
from siamese.callbacks.split_embeddings import split_embeddings
from siamese.evaluation.shift_clusters import shift_cluster_metrics


class ShiftClusters(PeriodicEvaluation):
    """Logs ``<split>/digit_1nn``, ``<split>/group_1nn`` and ``<split>/group_silhouette`` of ``split`` (the
    shifted test set) every ``every_n_epochs`` validation epochs, at the last epoch and at test time
    (``shift_cluster_metrics``)."""

    def __init__(self, split: str = "test_shifted", every_n_epochs: int = 1, max_silhouette_points: int = 4000):
        super().__init__(every_n_epochs, "shift_clusters")
        self.split, self.max_silhouette_points = split, max_silhouette_points

    def evaluate(self, trainer, pl_module) -> None:
        data = split_embeddings(trainer, pl_module, self.split)
        values = shift_cluster_metrics(data["embedding"], data["label"], data["shift"], data["index"],
                                       self.max_silhouette_points)
        for name, value in values.items():
            pl_module.log(f"{self.split}/{name}", value)

    def on_test_epoch_end(self, trainer, pl_module) -> None:
        self.evaluate(trainer, pl_module)
