"""Do shifted digits form separate (digit, shift direction) clusters? 1-NN accuracies and silhouette on the
shifted test set."""

from __future__ import annotations

import numpy as np
import torch

from siamese.callbacks.periodic import PeriodicEvaluation
from siamese.utils.embeddings import split_embeddings, subsample_positions


def shift_cluster_metrics(embedding: np.ndarray, label: np.ndarray, shift: np.ndarray, index: np.ndarray,
                          max_silhouette_points: int = 4000, seed: int = 0, chunk: int = 1024) -> dict[str, float]:
    """group = (digit, sign of shift). Returns

    - ``digit_1nn``: fraction of items whose nearest other item (Euclidean) has the same digit;
    - ``group_1nn``: the same for the group;
    - ``group_silhouette``: sklearn's silhouette score of the groups (on a seeded subsample of at most
      ``max_silhouette_points``; mean over items of (b - a) / max(a, b)).

    The nearest item is searched among the items of OTHER source images (``index`` differs): the shifted test
    set holds each test image once per shift, and a copy of the same image would make the 1-NN trivially right.
    """
    from sklearn.metrics import silhouette_score

    x = torch.as_tensor(np.asarray(embedding), dtype=torch.float64)
    source = torch.as_tensor(np.asarray(index))
    group = np.asarray(label) * 2 + (np.asarray(shift) > 0)
    nearest = torch.empty(len(x), dtype=torch.long)
    for start in range(0, len(x), chunk):
        dist = torch.cdist(x[start:start + chunk], x)
        dist[source[start:start + chunk, None] == source[None, :]] = float("inf")
        nearest[start:start + chunk] = dist.argmin(dim=1)
    nearest = nearest.numpy()
    result = {"digit_1nn": float((np.asarray(label)[nearest] == np.asarray(label)).mean()),
              "group_1nn": float((group[nearest] == group).mean())}
    keep = subsample_positions(len(x), max_silhouette_points, seed)
    if len(np.unique(group[keep])) > 1:
        result["group_silhouette"] = float(silhouette_score(x.numpy()[keep], group[keep]))
    else:
        result["group_silhouette"] = float("nan")
    return result


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
