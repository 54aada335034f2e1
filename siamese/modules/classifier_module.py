"""The Lightning module of digit classification: cross-entropy on the logits of a ``num_classes`` head."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from torch.nn import functional as F

from siamese.modules.epoch_means import EpochMeanLogging


class ClassifierModule(EpochMeanLogging):
    """Supervised digit classification, the trained-classifier baseline of the human-similarity study.

    One step: ``logits = net(image)``; ``loss = cross_entropy(logits, label)``; logs ``<stage>/loss`` and
    ``<stage>/accuracy`` (fraction of argmax(logits) == label) for train/val/test. The net must end in a layer
    with one output per class (``ClassifierNet(num_classes=10)``; ``task=classify`` selects it).
    ``loss`` defaults to ``nn.CrossEntropyLoss``; ``miner`` is accepted so the module fits the shared build
    (``siamese.training.build`` passes one to every task) and is not used: classification needs no pairs.
    """

    def __init__(self, net: nn.Module, optimizer: Callable, loss: nn.Module | None = None, miner=None,
                 scheduler: Callable | None = None):
        super().__init__()
        self.net = net
        self.loss = loss if loss is not None else nn.CrossEntropyLoss()
        self.optimizer_factory, self.scheduler_factory = optimizer, scheduler
        self.run_config: dict | None = None  # the resolved run config, stored in checkpoints by train()

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)

    def _step(self, batch: dict, stage: str) -> torch.Tensor:
        logits = self.net(batch["image"])
        labels = batch["label"]
        if logits.ndim != 2 or logits.shape[1] <= int(labels.max()):
            raise ValueError(f"the classifier net outputs shape {tuple(logits.shape)} but labels go up to "
                             f"{int(labels.max())}: use model=classifier with model.num_classes=10 (task=classify)")
        loss = self.loss(logits, labels)
        accuracy = (logits.argmax(dim=1) == labels).float().mean()
        self.add_step_values(stage, {"loss": loss, "accuracy": accuracy}, len(labels))
        return loss

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        loss = self._step(batch, "train")
        if not torch.isfinite(loss):
            raise FloatingPointError(f"training loss is {loss.item()} at epoch {self.current_epoch}, "
                                     f"batch {batch_idx}: lower optimizer.lr or check the data")
        return loss

    def validation_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "val")

    def test_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "test")

    def configure_optimizers(self):
        # frozen parameters (human.train_layers) stay out of the optimizer
        optimizer = self.optimizer_factory(params=[p for p in self.parameters() if p.requires_grad])
        if self.scheduler_factory is None:
            return optimizer
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": self.scheduler_factory(optimizer=optimizer),
                                                         "interval": "epoch"}}

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        if self.run_config is not None:
            checkpoint["siamese_config"] = self.run_config
