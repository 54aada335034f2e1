"""Metric learning plus an objective that aligns the model's pair similarities with people's judgments."""

from __future__ import annotations

import torch
from torch import nn

from siamese.modules.metric_module import MetricLearningModule


class HumanAlignedModule(MetricLearningModule):
    """L = L_metric + human_weight * L_human, with L_human from ``human_objective`` (``RatedPairsObjective`` or
    ``TwoAFCObjective`` in ``siamese/human/align/objectives.py``).

    ``human_weight`` = 0 trains exactly as ``MetricLearningModule`` (the "without" arm of a comparison).
    ``init_ckpt``: start from the net of a checkpoint of ``python train.py`` (fine-tuning) instead of random
    weights. Logs ``train/metric_loss`` and ``train/human_loss`` beside ``train/loss`` (the metric loss)."""

    def __init__(self, *args, human_objective: nn.Module | None = None, human_weight: float = 1.0,
                 init_ckpt: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if human_weight < 0:
            raise ValueError(f"human.weight must be >= 0, got {human_weight}")
        self.human_objective, self.human_weight = human_objective, float(human_weight)
        if init_ckpt:
            from siamese.models.loading import load_net

            self.net.load_state_dict(load_net(init_ckpt).net.state_dict())

    def setup(self, stage: str) -> None:
        datamodule = getattr(self.trainer, "datamodule", None)
        if self.human_objective is not None and datamodule is not None:
            self.human_objective.to(self.device)
            self.human_objective.prepare(datamodule.normalize)

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        metric_loss = super().training_step(batch, batch_idx)
        if self.human_objective is None or self.human_weight == 0:
            return metric_loss
        human_loss = self.human_objective(self.net)
        self.add_step_values("train", {"metric_loss": metric_loss, "human_loss": human_loss}, len(batch["label"]))
        return metric_loss + self.human_weight * human_loss
