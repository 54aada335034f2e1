"""Contrastive loss (Hadsell, Chopra & LeCun 2006)."""

from __future__ import annotations

import torch

from siamese.losses.base import BasePairLoss
from siamese.utils.parameters import ParameterError


class ContrastiveLoss(BasePairLoss):
    """L = 1/2 y d^2 + 1/2 (1 - y) max(0, m - d)^2, averaged over all mined pairs.

    y = 1 for a similar pair (same label), 0 otherwise; d = Euclidean distance of the two embeddings; m = margin.
    Example: d = 0.5 for a similar pair gives 0.125; d = 0.25 for a dissimilar pair with m = 1 gives 0.28125.
    """

    def __init__(self, margin: float = 1.0, distance=None):
        if not margin > 0:
            raise ParameterError("margin", margin, "must be > 0")
        super().__init__(distance)
        self.margin = float(margin)

    def pair_losses(self, pos_dist: torch.Tensor, neg_dist: torch.Tensor, labels: torch.Tensor,
                    pairs: tuple[torch.Tensor, ...]) -> torch.Tensor:
        positive = 0.5 * pos_dist.pow(2)
        negative = 0.5 * (self.margin - neg_dist).clamp(min=0).pow(2)
        return torch.cat([positive, negative])
