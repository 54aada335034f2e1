"""The Lightning module of digit classification: cross-entropy on the logits of a ``num_classes`` head."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from siamese.modules.base import BaseModule


class ClassifierModule(BaseModule):
    """Supervised digit classification, the trained-classifier baseline of the human-similarity study.

    One step: ``logits = net(image)``; ``loss = cross_entropy(logits, label)``; logs ``<stage>/loss`` and
    ``<stage>/accuracy`` (fraction of argmax(logits) == label) for train/val/test. The net must end in a layer
    with one output per class (``ClassifierNet(num_classes=10)``; ``task=classify`` selects it).
    ``loss`` defaults to ``nn.CrossEntropyLoss``; ``miner`` is accepted so the module fits the shared build
    (``siamese.training.build`` passes one to every task) and is not used: classification needs no pairs.
    """

    def __init__(self, net: nn.Module, optimizer: Callable, loss: nn.Module | None = None, miner=None,
                 scheduler: Callable | None = None):
        super().__init__(net, optimizer, scheduler)
        self.loss = loss if loss is not None else nn.CrossEntropyLoss()

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
        return self.check_finite(self._step(batch, "train"), batch_idx)

    def validation_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "val")

    def test_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._step(batch, "test")
