"""Do shifted digits form separate (digit, shift direction) clusters? 1-NN accuracies and silhouette of a set of
embeddings."""

from __future__ import annotations

import numpy as np
import torch

from siamese.evaluation.embeddings import subsample_positions


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
