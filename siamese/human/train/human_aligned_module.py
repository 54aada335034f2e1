"""Metric learning plus an objective that aligns the model's pair similarities with people's judgments."""

from __future__ import annotations

from siamese.human.train.human_term import HumanTermMixin
from siamese.modules.metric_module import MetricLearningModule


class HumanAlignedModule(HumanTermMixin, MetricLearningModule):
    """L = L_metric + human_weight * L_human (``HumanTermMixin``), L_human from ``human_objective``
    (``RatedPairsObjective`` or ``TwoAFCObjective`` in ``siamese/human/train/objectives.py``).

    ``human_weight`` = 0 trains exactly as ``MetricLearningModule`` (the "without" arm of a comparison).
    ``init_ckpt``: start from the net of a checkpoint of ``python train.py`` (fine-tuning), matched by layer
    name; ``train_layers``: only these layers train. Logs ``train/task_loss`` (the metric loss) and
    ``train/human_loss`` beside ``train/loss`` (the metric loss)."""
