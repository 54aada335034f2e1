"""Base class of the pair losses: pytorch-metric-learning's calling convention, a plain mean over pairs."""

from __future__ import annotations

import torch
from pytorch_metric_learning.distances import LpDistance
from pytorch_metric_learning.utils import loss_and_miner_utils as lmu
from torch import nn


class BasePairLoss(nn.Module):
    """``loss(embeddings, labels, indices_tuple)`` as in pytorch-metric-learning.

    ``indices_tuple`` is ``(a1, p, a2, n)`` (pairs) or ``(a, p, n)`` (triplets, split into their positive and
    negative pairs); ``None`` means all pairs of the batch. ``distance`` defaults to the plain (not normalized)
    Euclidean distance, so a 2-D embedding is trained in the geometry that is plotted.

    The base does the shared work once: converts the tuple to pairs, computes their distances, calls
    ``pair_losses(pos_dist, neg_dist, labels, pairs)`` (``pairs = (a1, p, a2, n)``, with the batch ``labels``, so a
    loss can tell pair kinds apart), takes the mean over all pairs (positive and negative together) and keeps
    ``pair_counts(labels, pairs)`` in ``self.last_stats`` (logged by the Lightning module as
    ``<stage>/pairs/<kind>``). A new pair loss writes ``pair_losses`` and, if it has more pair kinds,
    ``pair_counts``.
    """

    def __init__(self, distance=None):
        super().__init__()
        self.distance = distance if distance is not None else LpDistance(normalize_embeddings=False, p=2, power=1)
        self.last_stats: dict[str, float] = {}

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor, indices_tuple=None) -> torch.Tensor:
        pairs = self.pair_distances(embeddings, labels, indices_tuple)
        if pairs is None:
            # Nothing mined: a zero that still depends on the embeddings keeps autograd and DDP happy.
            self.last_stats = {}
            return embeddings.sum() * 0.0
        indices, pos_dist, neg_dist = pairs
        losses = self.pair_losses(pos_dist, neg_dist, labels, indices)
        self.last_stats = self.pair_counts(labels, indices)
        return losses.mean()

    def pair_distances(self, embeddings: torch.Tensor, labels: torch.Tensor, indices_tuple=None):
        """``((a1, p, a2, n), pos_dist, neg_dist)`` of the mined pairs (triplets split into pairs), or None when
        nothing was mined."""
        a1, p, a2, n = lmu.convert_to_pairs(indices_tuple, labels)
        if len(a1) + len(a2) == 0:
            return None
        pos_dist = self.distance.pairwise_distance(embeddings[a1], embeddings[p])
        neg_dist = self.distance.pairwise_distance(embeddings[a2], embeddings[n])
        return (a1, p, a2, n), pos_dist, neg_dist

    def pair_losses(self, pos_dist: torch.Tensor, neg_dist: torch.Tensor, labels: torch.Tensor,
                    pairs: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """Per-pair losses of all positive pairs followed by all negative pairs."""
        raise NotImplementedError

    def pair_counts(self, labels: torch.Tensor, pairs: tuple[torch.Tensor, ...]) -> dict[str, float]:
        """How many pairs of each kind the last call had: ``positive`` and ``negative``."""
        a1, _, a2, _ = pairs
        return {"positive": float(len(a1)), "negative": float(len(a2))}
