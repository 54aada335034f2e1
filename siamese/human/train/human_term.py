"""The human objective as a term added to any of the framework's Lightning modules (metric or classifier)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import torch
from torch import nn

log = logging.getLogger(__name__)


class HumanTermMixin:
    """Adds people's judgments to the loss of the module it is mixed into (put it first in the bases):

        L = L_task + human_weight * L_human

    with L_task the module's own loss (``MetricLearningModule``: the metric loss on mined pairs/triplets;
    ``ClassifierModule``: cross-entropy on the logits) and L_human from ``human_objective`` (a
    ``RatedPairsObjective`` or ``TwoAFCObjective``). So fine-tuning keeps the objective the net was trained with.

    - ``init_ckpt``: start from a checkpoint of ``train.py``, tensor by tensor by name and shape
      (``siamese.models.init_weights.load_weights_by_name``); ``self.init_report`` says what was not loaded.
    - ``train_layers``: names of the net's layers that train (e.g. ``[fc, logits]``); the others are frozen
      (``requires_grad=False``, left out of the optimizer). None = all train.
    - Inner validation: when the objective holds validation judgments (``val_fraction`` of the training pairs,
      ``siamese.human.train.objectives``), each validation epoch logs ``val/human_score`` (Pearson r of similarity
      and mean rating, or 2AFC agreement) and ``val/human_loss`` on them: early stopping and the "best"
      checkpoint can monitor it without touching the held-out pairs.
    ``human_weight`` = 0 trains exactly as the plain module. Logs ``train/task_loss`` and ``train/human_loss``.
    """

    def __init__(self, *args, human_objective: nn.Module | None = None, human_weight: float = 1.0,
                 init_ckpt: str | None = None, train_layers: Sequence[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if human_weight < 0:
            raise ValueError(f"human_weight={human_weight} must be >= 0")
        self.human_objective, self.human_weight = human_objective, float(human_weight)
        self.init_report = None
        if init_ckpt:
            from siamese.models.init_weights import load_weights_by_name

            self.init_report = load_weights_by_name(self.net, init_ckpt, "init_ckpt")
        self.train_layers = freeze_all_but(self.net, train_layers)

    def setup(self, stage: str) -> None:
        super().setup(stage)  # the base module's example input (the model summary's FLOPs)
        datamodule = getattr(self.trainer, "datamodule", None)
        if self.human_objective is not None and datamodule is not None:
            self.human_objective.to(self.device)
            self.human_objective.prepare(datamodule.normalize)

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        task_loss = super().training_step(batch, batch_idx)
        if self.human_objective is None or self.human_weight == 0:
            return task_loss
        human_loss = self.human_objective(self.net)
        self.add_step_values("train", {"task_loss": task_loss, "human_loss": human_loss}, len(batch["label"]))
        return task_loss + self.human_weight * human_loss

    def on_validation_epoch_end(self) -> None:
        validate = getattr(self.human_objective, "validation_scores", None)
        scores = validate(self.net) if validate is not None else None
        if scores:
            self.add_step_values("val", scores, 1)
        super().on_validation_epoch_end()


def freeze_all_but(net: nn.Module, train_layers: Sequence[str] | None) -> list[str]:
    """Set ``requires_grad`` so only the named layers of ``net`` (a ``LayeredNet``; ``fc`` also names an
    ``EmbeddingNet``'s last hidden layer) train; returns the stage names that train. None = every layer."""
    names = list(getattr(net, "layer_names", []))
    if train_layers is None:
        return names
    if isinstance(train_layers, str):
        train_layers = [train_layers]
    alias = {"fc": getattr(net, "fc_name", "fc")}
    wanted = [alias.get(name, name) for name in train_layers]
    unknown = [name for name, stage in zip(train_layers, wanted) if stage not in names]
    if unknown or not wanted:
        raise ValueError(f"train_layers names unknown layer {unknown[0] if unknown else '(none given)'!r}; "
                         f"{type(net).__name__} has layers {names}")
    for stage_name, stage in net.stages.items():
        stage.requires_grad_(stage_name in wanted)
    frozen = [name for name in names if name not in wanted]
    log.info("training layers %s; frozen: %s", wanted, frozen)
    return wanted
