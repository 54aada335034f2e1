"""Exact k nearest neighbours of low-dimensional embeddings with a k-d tree (scipy), for pml's AccuracyCalculator.

faiss's flat index computes every query-reference distance, and in few dimensions its kernel is slow, while a
k-d tree prunes most of them; in more dimensions the tree prunes little and faiss wins. Where each wins (by
dimension, for k = 1 and for R-precision's k = class size) is measured by ``python -m benchmarks.knn_search``
(benchmarks/knn_search.md); ``MAX_TREE_DIM_ANY_K``, ``MAX_TREE_DIM_ONE`` and ``ExactKNN`` follow it.
"""

from __future__ import annotations

import numpy as np
import torch
from pytorch_metric_learning.utils.inference import FaissKNN, return_results

MAX_TREE_DIM_ANY_K = 4  # the tree for any k up to this many dimensions
MAX_TREE_DIM_ONE = 12   # and for k = 1 (precision@1) up to this many


class KDTreeKNN:
    """pml ``knn_func``: ``(query, k, reference, ref_includes_query) -> (distances, indices)`` like ``FaissKNN``:
    squared Euclidean distances [Q, k] and reference positions [Q, k], nearest first, exact; with
    ``ref_includes_query`` the query itself (the first hit) is dropped, as pml does. Ties between equally distant
    references may be ordered differently than faiss orders them."""

    def __call__(self, query: torch.Tensor, k: int, reference: torch.Tensor | None = None,
                 ref_includes_query: bool = False):
        from scipy.spatial import cKDTree

        reference = query if reference is None else reference
        k = min(k + int(ref_includes_query), len(reference))
        tree = cKDTree(_rows(reference))
        distances, indices = tree.query(_rows(query), k=k, workers=-1)
        distances, indices = distances.reshape(len(query), k), indices.reshape(len(query), k)
        return return_results(torch.from_numpy(distances ** 2).float().to(query.device),
                              torch.from_numpy(indices.astype(np.int64)).to(query.device), ref_includes_query)


def _rows(x: torch.Tensor) -> np.ndarray:
    return np.ascontiguousarray(x.detach().cpu().numpy(), dtype=np.float64)


class ExactKNN:
    """pml ``knn_func`` that searches with ``KDTreeKNN`` where that was measured faster (``dim <=
    MAX_TREE_DIM_ANY_K``, or ``k == 1`` and ``dim <= MAX_TREE_DIM_ONE``) and with pml's ``FaissKNN`` (flat L2
    index) otherwise; both exact, same return convention."""

    def __call__(self, query: torch.Tensor, k: int, reference: torch.Tensor | None = None,
                 ref_includes_query: bool = False):
        return self.searcher(query.shape[1], k)(query, k, reference, ref_includes_query)

    @staticmethod
    def searcher(dim: int, k: int):
        tree = dim <= MAX_TREE_DIM_ANY_K or (k == 1 and dim <= MAX_TREE_DIM_ONE)
        return KDTreeKNN() if tree else FaissKNN()
