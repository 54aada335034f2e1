"""The base Lightning module of the framework: what every task module shares, written once."""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytorch_lightning as pl
import torch
from torch import nn

from siamese.modules.epoch_means import EpochMeans
from siamese.modules.from_config import build_module
from siamese.utils.checkpoints import load_checkpoint, stored_run_config


class BaseModule(pl.LightningModule):
    """A ``net`` trained with ``optimizer``/``scheduler`` partials (Hydra ``_partial_: true``: they get the
    parameters / the optimizer); subclasses write the steps.

    Shared here:

    - ``forward(images) = net(images)``;
    - ``configure_optimizers``: ``optimizer(params=...)`` over the parameters that train (``requires_grad``; frozen
      layers, ``human.train_layers``, stay out; ``parameter_groups`` may split them into groups), with
      ``scheduler(optimizer=...)`` stepped once per epoch when given;
    - epoch means: ``self.add_step_values(stage, {name: value}, batch_size)`` in a step; ``<stage>/<name>`` is
      logged as the batch-size-weighted epoch mean at the end of each train/validation/test epoch
      (``EpochMeans``). Why not ``self.log(..., on_epoch=True)`` at every step: its bookkeeping (result
      collection, device moves, hook-signature checks) runs on every step, a measurable share of a small CPU
      step (profile: benchmarks/README.md). The logged values are the same;
    - ``check_finite(loss, batch_idx)``: a NaN/inf training loss stops the run with a message saying what to do;
    - the resolved run config: ``run_config`` (set by ``siamese.training.build``) is stored in every checkpoint as
      ``checkpoint["siamese_config"]``, which ``siamese.load`` and ``load_from_checkpoint`` rebuild from.
    """

    def __init__(self, net: nn.Module, optimizer: Callable, scheduler: Callable | None = None):
        super().__init__()
        self.net = net
        self.optimizer_factory, self.scheduler_factory = optimizer, scheduler
        self.run_config: dict | None = None

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)

    def setup(self, stage: str) -> None:
        """Two blank images of the data's channels and size as ``example_input_array`` (after the data module's
        setup): Lightning's model summary then counts the FLOPs and shows each layer's sizes (without it, it
        printed a FLOPs column of 0)."""
        data = getattr(self._trainer, "datamodule", None) if self._trainer is not None else None
        size, mean = getattr(data, "image_size", None), getattr(data, "mean", None)
        if self.example_input_array is None and size is not None and mean is not None:
            channels = 1 if isinstance(mean, (int, float)) else len(mean)
            self.example_input_array = torch.zeros(2, channels, *size)

    def check_finite(self, loss: torch.Tensor, batch_idx: int) -> torch.Tensor:
        if not torch.isfinite(loss):
            raise FloatingPointError(f"training loss is {loss.item()} at epoch {self.current_epoch}, "
                                     f"batch {batch_idx}: lower optimizer.lr or check the data")
        return loss

    def parameter_groups(self) -> list[dict]:
        """The optimizer's parameter groups: by default one, every parameter that trains."""
        return [{"params": [p for p in self.parameters() if p.requires_grad]}]

    def configure_optimizers(self):
        groups = self.parameter_groups()
        optimizer = self.optimizer_factory(params=groups if len(groups) > 1 else groups[0]["params"])
        if self.scheduler_factory is None:
            return optimizer
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": self.scheduler_factory(optimizer=optimizer),
                                                         "interval": "epoch"}}

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        if self.run_config is not None:
            checkpoint["siamese_config"] = self.run_config

    @classmethod
    def load_from_checkpoint(cls, checkpoint_path, map_location="cpu", hparams_file=None, strict: bool = True,
                             **task_overrides):
        """The module of a checkpoint of ``python train.py``, rebuilt from the run config stored in it
        (``checkpoint["siamese_config"]``: net, loss, miner, optimizer and task as trained, ``build_module``) with
        its weights loaded; ``task_overrides`` replace constructor arguments of the task (``cfg.task``). A
        ``task.init_ckpt`` (fine-tuning start) is not re-read: the weights come from this checkpoint.
        Raises FileNotFoundError for a missing file, ValueError for a checkpoint without a stored config and
        TypeError when it holds another kind of module (``ClassifierModule`` vs ``MetricLearningModule``).
        ``hparams_file`` is Lightning's argument, not used (the config is in the checkpoint)."""
        path = Path(checkpoint_path)
        checkpoint = load_checkpoint(path)
        config = copy.deepcopy(stored_run_config(checkpoint, path))
        task = config.setdefault("task", {})
        if task.get("init_ckpt"):
            task["init_ckpt"] = None
        task.update(task_overrides)
        module = build_module(config)
        if not isinstance(module, cls):
            raise TypeError(f"{path} holds a {type(module).__name__} (task._target_={task.get('_target_')}), "
                            f"not a {cls.__name__}")
        module.on_load_checkpoint(checkpoint)
        module.load_state_dict(checkpoint["state_dict"], strict=strict)
        return module.to(map_location) if map_location is not None else module

    # ------------------------------------------------------------------------------------------ epoch means
    logged_stats: tuple[str, ...] = ("loss",)  # per-step values every subclass logs as <stage>/<name>

    def logged_metrics(self, module=None) -> set[str]:
        """The metric names this module logs (for checks of ``optimized_metric`` and the checkpoint monitor
        before training; callbacks declare theirs the same way)."""
        return {f"{stage}/{name}" for stage in ("train", "val", "test") for name in self.logged_stats}

    def add_step_values(self, stage: str, values: dict[str, torch.Tensor | float], batch_size: int) -> None:
        self.__dict__.setdefault("_epoch_means", defaultdict(EpochMeans))[stage].add(values, batch_size)

    def log_epoch_means(self, stage: str) -> None:
        """Log the means of ``stage`` now. Once per epoch: a second call finds nothing left, so a callback may
        call it before the module's own epoch-end hook (``CompletedEpochMetrics`` does, to see this epoch's
        train/*: Lightning runs callbacks' ``on_train_epoch_end`` first)."""
        means = self.__dict__.get("_epoch_means", {}).get(stage)
        for name, value in (means.pop() if means else {}).items():
            self.log(f"{stage}/{name}", value, prog_bar=name in ("loss", "accuracy"))

    def on_train_epoch_end(self) -> None:
        self.log_epoch_means("train")

    def on_validation_epoch_end(self) -> None:
        self.log_epoch_means("val")

    def on_test_epoch_end(self) -> None:
        self.log_epoch_means("test")
