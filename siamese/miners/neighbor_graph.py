"""Within-class k-nearest-neighbour graph over a whole dataset: faiss exact search, faiss IVF (approximate, for
more than a million items), torch on a GPU without faiss-gpu, and the brute-force reference."""

from __future__ import annotations

import numpy as np
import torch

from siamese.utils.parameters import ParameterError


def _check(features: torch.Tensor, labels: torch.Tensor, k: int) -> None:
    if features.ndim != 2 or labels.ndim != 1 or len(features) != len(labels):
        raise ValueError(f"features must be [N, D] and labels [N], got {tuple(features.shape)} and "
                         f"{tuple(labels.shape)}")
    if k < 1:
        raise ParameterError("k", k, "must be >= 1")
    smallest = int(labels.unique(return_counts=True)[1].min()) if len(labels) else 0
    if smallest <= k:
        raise ParameterError("k", k, f"needs more than k items in every class; the smallest class has {smallest}")


SEARCHES = ("exact", "ivf", "auto")
IVF_ABOVE = 1_000_000  # search="auto": IVF above this many items (exact search time by size: benchmarks/results.md)


def _faiss_gpus() -> int:
    import faiss

    return faiss.get_num_gpus() if hasattr(faiss, "get_num_gpus") else 0


def build_neighbor_graph(features: torch.Tensor, labels: torch.Tensor, k: int, search: str = "exact",
                         nprobe: int = 8) -> torch.LongTensor:
    """``[N, k]``: for each item the dataset indices of its k nearest neighbours (squared Euclidean) within its own
    class, itself excluded, nearest first.

    ``search``: ``exact`` (faiss ``IndexFlatL2``, one index per class; on CUDA features without faiss-gpu the
    same exact search in torch on the GPU, ``brute_force_neighbor_graph``), ``ivf`` (approximate,
    ``ivf_neighbor_graph`` with ``nprobe``), or ``auto`` (ivf above ``IVF_ABOVE`` items, else exact)."""
    if search not in SEARCHES:
        raise ParameterError("search", search, f"must be one of {SEARCHES}")
    if search == "ivf" or (search == "auto" and len(features) > IVF_ABOVE):
        return ivf_neighbor_graph(features, labels, k, nprobe=nprobe)
    if features.is_cuda and _faiss_gpus() == 0:
        return brute_force_neighbor_graph(features, labels, k).to(features.device)
    import faiss

    _check(features, labels, k)
    x = _float32_rows(features)
    labels = labels.cpu()
    graph = torch.empty(len(x), k, dtype=torch.long)
    for label in labels.unique():
        members = (labels == label).nonzero().squeeze(1)
        xs = x[members.numpy()]
        index = faiss.IndexFlatL2(xs.shape[1])
        if _faiss_gpus() > 0:
            index = faiss.index_cpu_to_all_gpus(index)
        index.add(xs)
        _, found = index.search(xs, k + 1)  # local positions, the item itself usually first
        graph[members] = members[_drop_self(torch.from_numpy(found), k)]
    return graph


def ivf_neighbor_graph(features: torch.Tensor, labels: torch.Tensor, k: int, nprobe: int = 8,
                       nlist: int | None = None, seed: int = 0) -> torch.LongTensor:
    """Approximate ``build_neighbor_graph``: per class a faiss ``IndexIVFFlat`` with ``nlist`` cells
    (default ``4 * sqrt(N_c)``, k-means trained on a seeded subsample of at most ``64 * nlist`` items of the
    class); each item searches the ``nprobe`` cells nearest to it, so a query costs ~ ``nprobe / nlist`` of the
    exact one. Rows whose probed cells hold fewer than k + 1 items are searched exactly. Recall against the
    exact graph is measured by ``benchmarks.knn_graph`` (``neighbor_recall``)."""
    import faiss

    _check(features, labels, k)
    x = _float32_rows(features)
    labels = labels.cpu()
    graph = torch.empty(len(x), k, dtype=torch.long)
    rng = np.random.default_rng(seed)
    for label in labels.unique():
        members = (labels == label).nonzero().squeeze(1)
        xs = x[members.numpy()]
        cells = nlist or max(1, min(int(4 * np.sqrt(len(xs))), len(xs) // 39))
        index = faiss.IndexIVFFlat(faiss.IndexFlatL2(xs.shape[1]), xs.shape[1], cells)
        train = xs if len(xs) <= 64 * cells else xs[np.sort(rng.choice(len(xs), 64 * cells, replace=False))]
        index.cp.seed = seed
        index.train(train)
        index.add(xs)
        index.nprobe = min(nprobe, cells)
        _, found = index.search(xs, k + 1)
        short = (found < 0).any(1).nonzero()[0]
        if len(short):  # too few items in the probed cells: exact search for those rows
            flat = faiss.IndexFlatL2(xs.shape[1])
            flat.add(xs)
            found[short] = flat.search(xs[short], k + 1)[1]
        graph[members] = members[_drop_self(torch.from_numpy(found), k)]
    return graph


def _float32_rows(features: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(features.detach().reshape(len(features), -1).cpu().numpy(), dtype=np.float32)


def _drop_self(found: torch.Tensor, k: int, own: torch.Tensor | None = None) -> torch.Tensor:
    """``[n, k]`` of the ``[n, k + 1]`` search results without the item itself (row i is item i); when the item is
    not among them (an exact duplicate pushed it out, or an approximate search missed it) the farthest hit goes."""
    own = torch.arange(len(found))[:, None] if own is None else own
    is_self = found == own
    drop = torch.where(is_self.any(1), is_self.float().argmax(1), torch.full((len(found),), k))
    keep = torch.ones_like(found, dtype=torch.bool)
    keep[torch.arange(len(found)), drop] = False
    return found[keep].reshape(len(found), k)


def brute_force_neighbor_graph(features: torch.Tensor, labels: torch.Tensor, k: int,
                               chunk: int = 2048) -> torch.LongTensor:
    """Reference for ``build_neighbor_graph``: the same contract with ``torch.cdist`` over row chunks (float64 on
    the CPU; on a GPU float32 on the features' device, the exact search used there without faiss-gpu)."""
    _check(features, labels, k)
    x = features.detach().reshape(len(features), -1)
    x = x.float() if x.is_cuda else x.double()
    labels = labels.to(x.device)
    graph = torch.empty(len(x), k, dtype=torch.long, device=x.device)
    for start in range(0, len(x), chunk):
        rows = torch.arange(start, min(start + chunk, len(x)), device=x.device)
        dist = torch.cdist(x[rows], x).pow(2)
        dist[labels[rows][:, None] != labels[None, :]] = float("inf")
        dist[torch.arange(len(rows), device=x.device), rows] = float("inf")
        graph[rows] = dist.topk(k, dim=1, largest=False).indices
    return graph
