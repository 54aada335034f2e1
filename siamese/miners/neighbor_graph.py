"""Within-class k-nearest-neighbour graph over a whole dataset (faiss exact search) and its brute-force reference."""

from __future__ import annotations

import numpy as np
import torch


def _check(features: torch.Tensor, labels: torch.Tensor, k: int) -> None:
    if features.ndim != 2 or labels.ndim != 1 or len(features) != len(labels):
        raise ValueError(f"features must be [N, D] and labels [N], got {tuple(features.shape)} and "
                         f"{tuple(labels.shape)}")
    if k < 1:
        raise ValueError(f"miner.k must be >= 1, got {k}")
    smallest = int(labels.unique(return_counts=True)[1].min()) if len(labels) else 0
    if smallest <= k:
        raise ValueError(f"miner.k={k} needs more than k items in every class; the smallest class has {smallest}")


def build_neighbor_graph(features: torch.Tensor, labels: torch.Tensor, k: int) -> torch.LongTensor:
    """``[N, k]``: for each item the dataset indices of its k nearest neighbours (squared Euclidean, exact search
    with faiss ``IndexFlatL2``, one index per class) within its own class, itself excluded, nearest first."""
    import faiss

    _check(features, labels, k)
    x = np.ascontiguousarray(features.detach().reshape(len(features), -1).cpu().numpy(), dtype=np.float32)
    labels = labels.cpu()
    graph = torch.empty(len(x), k, dtype=torch.long)
    for label in labels.unique():
        members = (labels == label).nonzero().squeeze(1)
        xs = x[members.numpy()]
        index = faiss.IndexFlatL2(xs.shape[1])
        index.add(xs)
        _, found = index.search(xs, k + 1)  # local positions, the item itself usually first
        found = torch.from_numpy(found)
        own = torch.arange(len(members))[:, None]
        # drop the item itself (or, if an exact duplicate pushed it out of the k+1, the farthest hit)
        is_self = found == own
        drop = torch.where(is_self.any(1), is_self.float().argmax(1), torch.full((len(found),), k))
        keep = torch.ones_like(found, dtype=torch.bool)
        keep[torch.arange(len(found)), drop] = False
        graph[members] = members[found[keep].reshape(len(found), k)]
    return graph


def brute_force_neighbor_graph(features: torch.Tensor, labels: torch.Tensor, k: int,
                               chunk: int = 2048) -> torch.LongTensor:
    """Reference for ``build_neighbor_graph``: the same contract with ``torch.cdist`` over row chunks."""
    _check(features, labels, k)
    x = features.detach().reshape(len(features), -1).double().cpu()
    labels = labels.cpu()
    graph = torch.empty(len(x), k, dtype=torch.long)
    for start in range(0, len(x), chunk):
        rows = torch.arange(start, min(start + chunk, len(x)))
        dist = torch.cdist(x[rows], x).pow(2)
        dist[labels[rows][:, None] != labels[None, :]] = float("inf")
        dist[torch.arange(len(rows)), rows] = float("inf")
        graph[rows] = dist.topk(k, dim=1, largest=False).indices
    return graph
