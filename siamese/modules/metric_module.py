"""The Lightning module of metric learning: embed the batch, mine pairs or triplets, apply the loss."""

from __future__ import annotations

from collections.abc import Callable

import pytorch_lightning as pl
import torch
from torch import nn

from siamese.miners import BaseMiner, RandomMiner


class MetricLearningModule(pl.LightningModule):
    """Siamese (pairs) or triplet training, decided by the loss and the miner it is given.

    One step: ``emb = net(image)``; ``tuples = miner(emb, label, indices=index)`` (pairs ``(a1, p, a2, n)`` or
    triplets ``(a, p, n)``, indices into the batch); ``loss(emb, label, tuples)``. Each batch image is embedded
    once and pairs are formed in embedding space, which is the same as running two weight-sharing branches.
    The validation loss uses ``val_miner`` (random pairs, re-seeded per batch so every epoch sees the same
    pairs and the loss is comparable across epochs; it decides the "best" checkpoint).
    ``optimizer``/``scheduler`` are partials (Hydra ``_partial_: true``) that get the parameters / optimizer.
    """

    def __init__(
        self,
        net: nn.Module,
        loss: nn.Module,
        miner: BaseMiner,
        optimizer: Callable,
        scheduler: Callable | None = None,
        val_miner: BaseMiner | None = None,
    ):
        super().__init__()
        self.net, self.loss, self.miner = net, loss, miner
        self.val_miner = val_miner if val_miner is not None else RandomMiner()
        self.optimizer_factory, self.scheduler_factory = optimizer, scheduler
        self.run_config: dict | None = None  # the resolved run config, stored in checkpoints by train()

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)

    def _step(self, batch: dict, miner: BaseMiner, stage: str) -> torch.Tensor:
        embeddings = self.net(batch["image"])
        tuples = miner(embeddings, batch["label"], indices=batch["index"])
        loss = self.loss(embeddings, batch["label"], tuples)
        size = len(embeddings)
        self.log(f"{stage}/loss", loss, on_step=False, on_epoch=True, prog_bar=True, batch_size=size)
        for name, value in miner.stats().items():
            self.log(f"{stage}/{name}", value, on_step=False, on_epoch=True, batch_size=size)
        return loss

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        loss = self._step(batch, self.miner, "train")
        if not torch.isfinite(loss):
            raise FloatingPointError(f"training loss is {loss.item()} at epoch {self.current_epoch}, "
                                     f"batch {batch_idx}: lower optimizer.lr or check the data")
        return loss

    def validation_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(batch_idx)
            return self._step(batch, self.val_miner, "val")

    def test_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(batch_idx)
            return self._step(batch, self.val_miner, "test")

    def configure_optimizers(self):
        optimizer = self.optimizer_factory(params=self.parameters())
        if self.scheduler_factory is None:
            return optimizer
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": self.scheduler_factory(optimizer=optimizer),
                                                         "interval": "epoch"}}

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        if self.run_config is not None:
            checkpoint["siamese_config"] = self.run_config
