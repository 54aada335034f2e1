"""Losses that reward a model for judging similarity as people do (used beside the metric-learning loss).

s_p is the model similarity of rated pair p (cosine of the two images' activations at a chosen layer);
h_p is the mean human rating of p; for a 2AFC judgment, the person chose which of a or b is more like the anchor.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


def pair_cosine(features_a: torch.Tensor, features_b: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """s_p = <f(a_p), f(b_p)> / (|f(a_p)| |f(b_p)|) over flattened activations, [P]."""
    return F.cosine_similarity(features_a.flatten(1), features_b.flatten(1), dim=1, eps=eps)


class PairRankingLoss(nn.Module):
    """Hinge on pairs of pairs ordered by people:

        L = mean over (p, q) with h_p - h_q > min_gap of  max(0, margin - (s_p - s_q))

    so a pair people rate more similar must be more similar to the model by at least ``margin``. Only the order
    of the ratings matters (no rater's scale is assumed linear). No ordered (p, q) gives a zero loss."""

    def __init__(self, margin: float = 0.05, min_gap: float = 0.0):
        super().__init__()
        if margin < 0:
            raise ValueError(f"margin={margin} must be >= 0")
        self.margin, self.min_gap = float(margin), float(min_gap)

    def forward(self, similarity: torch.Tensor, ratings: torch.Tensor) -> torch.Tensor:
        ordered = (ratings[:, None] - ratings[None, :]) > self.min_gap  # [p, q]: p rated above q
        if not ordered.any():
            return similarity.sum() * 0.0
        gaps = similarity[:, None] - similarity[None, :]
        return F.relu(self.margin - gaps[ordered]).mean()


class CorrelationLoss(nn.Module):
    """L = 1 - Pearson(s, h): differentiable, scale-free in both s and h (needs at least two pairs)."""

    def forward(self, similarity: torch.Tensor, ratings: torch.Tensor) -> torch.Tensor:
        s = similarity - similarity.mean()
        h = ratings.to(similarity.dtype) - ratings.to(similarity.dtype).mean()
        return 1.0 - (s * h).sum() / (s.norm() * h.norm()).clamp(min=1e-12)


class TwoAFCLoss(nn.Module):
    """Two-alternative forced choice: P(model picks a) = sigmoid((s(anchor, a) - s(anchor, b)) / temperature);

        L = mean binary cross-entropy against the human choice (1 if a was chosen, 0 if b)."""

    def __init__(self, temperature: float = 0.1):
        super().__init__()
        if not temperature > 0:
            raise ValueError(f"temperature={temperature} must be > 0")
        self.temperature = float(temperature)

    def forward(self, sim_anchor_a: torch.Tensor, sim_anchor_b: torch.Tensor, chose_a: torch.Tensor) -> torch.Tensor:
        logits = (sim_anchor_a - sim_anchor_b) / self.temperature
        return F.binary_cross_entropy_with_logits(logits, chose_a.to(logits.dtype))


class OddOneOutLoss(nn.Module):
    """Odd-one-out (THINGS, gLocal): with ``s_m`` the similarity of the pair that leaves image m of a trial out,

        P(odd = m) = softmax_m(s_m / temperature),   L = mean cross-entropy of the chosen odd one,

    so the pair the person kept together (the chosen one's complementary pair) is the target."""

    def __init__(self, temperature: float = 0.1):
        super().__init__()
        if not temperature > 0:
            raise ValueError(f"human.temperature must be > 0, got {temperature}")
        self.temperature = float(temperature)

    def forward(self, pair_sims: torch.Tensor, chosen_column: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(pair_sims.reshape(-1, 3) / self.temperature, chosen_column.long())
