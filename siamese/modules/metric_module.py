"""The Lightning module of metric learning: embed the batch, mine pairs or triplets, apply the loss."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from siamese.miners import BaseMiner, RandomMiner
from siamese.modules.epoch_means import EpochMeanLogging
from siamese.utils.distributed import broadcast_from_rank0, gather_with_grad, world_size


class MetricLearningModule(EpochMeanLogging):
    """Siamese (pairs) or triplet training, decided by the loss and the miner it is given.

    One step: ``emb = net(image)``; ``tuples = miner(emb, label, indices=index)`` (pairs ``(a1, p, a2, n)`` or
    triplets ``(a, p, n)``, indices into the batch); ``loss(emb, label, tuples)``. Each batch image is embedded
    once and pairs are formed in embedding space, which is the same as running two weight-sharing branches.
    The validation loss uses ``val_miner`` (random pairs, re-seeded per batch so every epoch sees the same
    pairs and the loss is comparable across epochs; it decides the "best" checkpoint).
    Under DDP (``trainer=ddp``) the miner sees the gathered batch of all processes (``mine_and_loss``), so it
    behaves as with one big batch; see ``siamese.utils.distributed``.
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
        if hasattr(miner, "infer_output"):  # miners with output=auto (KNNMiner) pick pairs/triplets from the loss
            miner.infer_output(loss)
        self.optimizer_factory, self.scheduler_factory = optimizer, scheduler
        self.run_config: dict | None = None  # the resolved run config, stored in checkpoints by train()

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)

    def mine_and_loss(self, embeddings: torch.Tensor, labels: torch.Tensor, indices: torch.Tensor | None,
                      miner: BaseMiner) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
        """``(loss, tuples)`` of the global batch: with several processes the embeddings, labels and dataset
        indices of all of them are gathered (rank order, gradients kept for the local shard), the miner runs on
        the gathered batch and the tuples mined by rank 0 are used by all; the loss is then the loss of the
        global batch, the same value on every process. With one process this is ``miner`` then ``loss``."""
        if world_size() > 1:
            embeddings, labels = gather_with_grad(embeddings), gather_with_grad(labels)
            indices = None if indices is None else gather_with_grad(indices)
            tuples = broadcast_from_rank0(miner(embeddings, labels, indices=indices))
        else:
            tuples = miner(embeddings, labels, indices=indices)
        return self.loss(embeddings, labels, tuples), tuples

    def _step(self, batch: dict, miner: BaseMiner, stage: str) -> torch.Tensor:
        embeddings = self.net(batch["image"])
        loss, _ = self.mine_and_loss(embeddings, batch["label"], batch["index"], miner)
        # epoch means of the global batch (the same on every process, so no sync is needed)
        self.add_step_values(stage, {"loss": loss, **miner.stats()}, len(embeddings) * world_size())
        return loss

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        loss = self._step(batch, self.miner, "train")
        if not torch.isfinite(loss):
            raise FloatingPointError(f"training loss is {loss.item()} at epoch {self.current_epoch}, "
                                     f"batch {batch_idx}: lower optimizer.lr or check the data")
        # every process holds the global loss but back-propagates only into its own shard, and DDP averages
        # the gradients over processes: scaling by the world size makes the update that of the global loss
        return loss * world_size()

    def on_train_epoch_start(self) -> None:
        """Tell the miner the epoch (warm-up schedules, k-NN graphs rebuilt from the current embedding)."""
        hook = getattr(self.miner, "on_train_epoch_start", None)
        if hook is not None:
            hook(self)

    def validation_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(batch_idx)
            return self._step(batch, self.val_miner, "val")

    def test_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(batch_idx)
            return self._step(batch, self.val_miner, "test")

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
