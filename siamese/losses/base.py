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
    Euclidean distance, so a 2-D embedding is trained in the geometry that is plotted. Subclasses implement
    ``pair_losses(pos_dist, neg_dist, ...)`` and the loss is the mean over all pairs (positive and negative
    together). ``self.last_stats`` keeps counts for logging.
    """

    def __init__(self, distance=None):
        super().__init__()
        self.distance = distance if distance is not None else LpDistance(normalize_embeddings=False, p=2, power=1)
        self.last_stats: dict[str, float] = {}

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor, indices_tuple=None) -> torch.Tensor:
        pairs = self.pair_distances(embeddings, labels, indices_tuple)
        if pairs is None:
            # Nothing mined: a zero that still depends on the embeddings keeps autograd and DDP happy.
            return embeddings.sum() * 0.0
        (a1, _, a2, _), pos_dist, neg_dist = pairs
        losses = self.pair_losses(pos_dist, neg_dist)
        self.last_stats = {"num_pos_pairs": float(len(a1)), "num_neg_pairs": float(len(a2))}
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

    def pair_losses(self, pos_dist: torch.Tensor, neg_dist: torch.Tensor) -> torch.Tensor:
        """Per-pair losses of all positive pairs followed by all negative pairs."""
        raise NotImplementedError
