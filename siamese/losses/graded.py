"""The graded pair loss: three pair types (true positive, false negative, negative), each with its own margin
and weight."""

from __future__ import annotations

import torch

from siamese.losses.base import BasePairLoss


class GradedLoss(BasePairLoss):
    """Mean over all mined pairs of

        true positive  (anchor, one of its k neighbours):       L = 1/2 w_tp  max(0, d - m_tp)^2
        false negative (same digit, not a neighbour):           L = 1/2 w_fn  max(0, m_fn - d)^2
        negative       (other digit):                           L = 1/2 w_neg max(0, m_neg - d)^2

    d = Euclidean distance of the two embeddings. The types come from the miner's tuple and the labels: the
    positive pairs ``(a1, p)`` are true positives (``KNNMiner`` makes them of neighbours only); a negative pair
    ``(a2, n)`` is a false negative when the labels agree (``KNNMiner(negatives=other_class_and_non_neighbors)``)
    and a negative when they differ. Constraints: ``0 <= m_tp < m_fn <= m_neg`` and ``w_fn <= w_neg``, so pulling
    a negative pair together costs the most (``1/2 w_neg m_neg^2`` at d = 0) and a false-negative pair less
    (``1/2 w_fn m_fn^2``): same-digit non-neighbours are pushed only to the smaller margin ``m_fn``, which keeps
    sub-clusters of a digit apart while the digits stay further apart.
    Defaults: m_tp = 0, m_fn = 0.5, m_neg = 1, w_tp = 1, w_fn = 0.5, w_neg = 1. Example: a false-negative pair at
    d = 0.25 costs 1/2 * 0.5 * 0.25^2 = 0.015625; a negative pair at d = 0.25 costs 1/2 * 0.75^2 = 0.28125.
    """

    def __init__(self, margin_tp: float = 0.0, margin_fn: float = 0.5, margin_neg: float = 1.0,
                 weight_tp: float = 1.0, weight_fn: float = 0.5, weight_neg: float = 1.0, distance=None):
        if not 0 <= margin_tp < margin_fn <= margin_neg:
            raise ValueError(f"loss margins must satisfy 0 <= margin_tp < margin_fn <= margin_neg, got "
                             f"margin_tp={margin_tp}, margin_fn={margin_fn}, margin_neg={margin_neg}")
        if min(weight_tp, weight_fn, weight_neg) < 0 or weight_fn > weight_neg:
            raise ValueError(f"loss weights must be >= 0 with weight_fn <= weight_neg, got weight_tp={weight_tp}, "
                             f"weight_fn={weight_fn}, weight_neg={weight_neg}")
        super().__init__(distance)
        self.margin_tp, self.margin_fn, self.margin_neg = float(margin_tp), float(margin_fn), float(margin_neg)
        self.weight_tp, self.weight_fn, self.weight_neg = float(weight_tp), float(weight_fn), float(weight_neg)

    def pair_losses(self, pos_dist: torch.Tensor, neg_dist: torch.Tensor, labels: torch.Tensor,
                    pairs: tuple[torch.Tensor, ...]) -> torch.Tensor:
        _, _, a2, n = pairs
        false_neg = labels[a2] == labels[n]
        tp = 0.5 * self.weight_tp * (pos_dist - self.margin_tp).clamp(min=0).pow(2)
        margin = torch.where(false_neg, self.margin_fn, self.margin_neg)
        weight = torch.where(false_neg, self.weight_fn, self.weight_neg)
        neg = 0.5 * weight * (margin - neg_dist).clamp(min=0).pow(2)
        return torch.cat([tp, neg])

    def pair_counts(self, labels: torch.Tensor, pairs: tuple[torch.Tensor, ...]) -> dict[str, float]:
        """``true_positive``, ``false_negative`` (same label, negative pair) and ``negative`` (other label)."""
        a1, _, a2, n = pairs
        false_neg = int((labels[a2] == labels[n]).sum())
        return {"true_positive": float(len(a1)), "false_negative": float(false_neg),
                "negative": float(len(a2) - false_neg)}
