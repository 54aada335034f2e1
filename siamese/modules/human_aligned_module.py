"""Metric learning plus an objective that aligns the model's pair similarities with people's judgments."""

from __future__ import annotations

import torch
from torch import nn

from siamese.losses.human_alignment import pair_cosine
from siamese.modules.metric_module import MetricLearningModule


class RatedPairsObjective(nn.Module):
    """Rated image pairs as a training signal.

    ``images_a``, ``images_b``: [P, 1, 28, 28] normalized as the training batches; ``ratings``: mean human rating
    per pair [P]. Each step draws ``pairs_per_step`` pairs (all when None), reads ``layer`` for both images,
    and returns ``loss(s, h)`` with s the cosine similarity of the two activations (``PairRankingLoss`` or
    ``CorrelationLoss``)."""

    def __init__(self, images_a: torch.Tensor, images_b: torch.Tensor, ratings: torch.Tensor, loss: nn.Module,
                 layer: str = "embedding", pairs_per_step: int | None = None):
        super().__init__()
        if not (len(images_a) == len(images_b) == len(ratings)) or len(ratings) < 2:
            raise ValueError(f"rated pairs need >= 2 pairs with two images each, got {len(images_a)}, "
                             f"{len(images_b)} images and {len(ratings)} ratings")
        self.register_buffer("images_a", images_a.float(), persistent=False)
        self.register_buffer("images_b", images_b.float(), persistent=False)
        self.register_buffer("ratings", ratings.float(), persistent=False)
        self.loss, self.layer, self.pairs_per_step = loss, layer, pairs_per_step

    def forward(self, net: nn.Module) -> torch.Tensor:
        rows = torch.arange(len(self.ratings), device=self.ratings.device)
        if self.pairs_per_step is not None and self.pairs_per_step < len(rows):
            rows = torch.randperm(len(rows), device=rows.device)[: self.pairs_per_step]
        both = torch.cat([self.images_a[rows], self.images_b[rows]])
        features = net.activations(both, [self.layer])[self.layer]
        a, b = features.split(len(rows))
        return self.loss(pair_cosine(a, b), self.ratings[rows])


class TwoAFCObjective(nn.Module):
    """Odd-one-out / 2AFC judgments: images ``anchor``, ``a``, ``b`` [T, 1, 28, 28] and ``chose_a`` [T] (1 if the
    person found a more similar to the anchor); ``loss`` is a ``TwoAFCLoss``."""

    def __init__(self, anchor: torch.Tensor, a: torch.Tensor, b: torch.Tensor, chose_a: torch.Tensor,
                 loss: nn.Module, layer: str = "embedding"):
        super().__init__()
        for name, value in (("anchor", anchor), ("a", a), ("b", b), ("chose_a", chose_a)):
            self.register_buffer(name, value.float(), persistent=False)
        self.loss, self.layer = loss, layer

    def forward(self, net: nn.Module) -> torch.Tensor:
        n = len(self.anchor)
        features = net.activations(torch.cat([self.anchor, self.a, self.b]), [self.layer])[self.layer]
        anchor, a, b = features.split(n)
        return self.loss(pair_cosine(anchor, a), pair_cosine(anchor, b), self.chose_a)


class HumanAlignedModule(MetricLearningModule):
    """L = L_metric + human_weight * L_human, with L_human from ``human_objective`` (rated pairs or 2AFC).

    ``human_weight`` = 0 trains exactly as ``MetricLearningModule`` (the "without" arm of a comparison). Logs
    ``train/metric_loss`` and ``train/human_loss`` beside ``train/loss``."""

    def __init__(self, *args, human_objective: nn.Module | None = None, human_weight: float = 1.0, **kwargs):
        super().__init__(*args, **kwargs)
        if human_weight < 0:
            raise ValueError(f"human.weight must be >= 0, got {human_weight}")
        self.human_objective, self.human_weight = human_objective, float(human_weight)

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        metric_loss = super().training_step(batch, batch_idx)
        if self.human_objective is None or self.human_weight == 0:
            return metric_loss
        human_loss = self.human_objective(self.net)
        self.log("train/metric_loss", metric_loss, on_step=False, on_epoch=True)
        self.log("train/human_loss", human_loss, on_step=False, on_epoch=True, prog_bar=True)
        return metric_loss + self.human_weight * human_loss
