"""The Lightning module of metric learning: embed the batch, mine pairs or triplets, apply the loss."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from siamese.miners import BaseMiner, RandomMiner
from siamese.modules.base import BaseModule
from siamese.modules.loop_embeddings import LoopEmbeddings
from siamese.utils.distributed import broadcast_from_rank0, gather_with_grad, world_size


class MetricLearningModule(BaseModule):
    """Siamese (pairs) or triplet training, decided by the loss and the miner it is given.

    One step: ``emb = net(image)``; ``tuples = miner(emb, label, indices=index)`` (pairs ``(a1, p, a2, n)`` or
    triplets ``(a, p, n)``, indices into the batch); ``loss(emb, label, tuples)``. Each batch image is embedded
    once and pairs are formed in embedding space, which is the same as running two weight-sharing branches.
    The validation loss uses ``val_miner`` (random pairs, re-seeded per batch so every epoch sees the same
    pairs and the loss is comparable across epochs; it decides the "best" checkpoint).
    Under DDP (``trainer=ddp``) the miner sees the gathered batch of all processes (``mine_and_loss``), so it
    behaves as with one big batch; see ``siamese.utils.distributed``.
    A loss with parameters (pml's proxy losses) trains them with the net (``parameter_groups``); a loss with
    ``bind_net`` (``VerificationLoss``) is given the net, whose verification head it trains.
    ``optimizer``/``scheduler`` are partials (Hydra ``_partial_: true``) that get the parameters / optimizer;
    optimizers, epoch-mean logging, checkpointed config and ``load_from_checkpoint(ckpt)``: ``BaseModule``.
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
        super().__init__(net, optimizer, scheduler)
        self.loss, self.miner = loss, miner
        self.val_miner = val_miner if val_miner is not None else RandomMiner()
        self.loop_embeddings = LoopEmbeddings()  # val/test embeddings of the loops, read by the callbacks
        miner.infer_output(loss)  # miners with output=auto (KNNMiner) pick pairs/triplets from the loss
        if callable(getattr(loss, "bind_net", None)):  # a loss that scores pairs with the net's head
            loss.bind_net(net)

    def parameter_groups(self) -> list[dict]:
        """The net's parameters, and the loss's own (proxies of a proxy loss) as a second group whose learning rate
        is ``optimizer.lr`` times ``loss.lr_multiplier`` (default 1)."""
        loss_params = [p for p in self.loss.parameters() if p.requires_grad]
        multiplier = float(getattr(self.loss, "lr_multiplier", 1.0))
        lr = getattr(self.optimizer_factory, "keywords", {}).get("lr")
        if not loss_params or multiplier == 1.0 or lr is None:
            return super().parameter_groups()
        loss_ids = {id(p) for p in loss_params}
        net_params = [p for p in self.parameters() if p.requires_grad and id(p) not in loss_ids]
        return [{"params": net_params}, {"params": loss_params, "lr": lr * multiplier}]

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
        if stage != "train":
            self.loop_embeddings.add(stage, embeddings, batch)
        loss, _ = self.mine_and_loss(embeddings, batch["label"], batch["index"], miner)
        # epoch means of the global batch (the same on every process, so no sync is needed)
        self.add_step_values(stage, {"loss": loss, **self.pair_counts(miner)}, len(embeddings) * world_size())
        return loss

    def pair_counts(self, miner: BaseMiner) -> dict[str, float]:
        """What the last step mined and trained on, each count once: the miner's ``num_pos_pairs`` /
        ``num_neg_pairs`` / ``num_triplets``, and the loss's ``pairs/<kind>`` only where they add something (a
        triplet miner feeding a pair loss, the graded loss's kinds); a pair loss's plain ``positive`` /
        ``negative`` counts repeat the miner's pairs and are left out."""
        counts = miner.stats()
        kinds = self.loss.last_stats
        if set(kinds) == {"positive", "negative"} and {"num_pos_pairs", "num_neg_pairs"} <= set(counts):
            kinds = {}
        return {**counts, **{f"pairs/{kind}": count for kind, count in kinds.items()}}

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        loss = self.check_finite(self._step(batch, self.miner, "train"), batch_idx)
        # every process holds the global loss but back-propagates only into its own shard, and DDP averages
        # the gradients over processes: scaling by the world size makes the update that of the global loss
        return loss * world_size()

    def on_train_epoch_start(self) -> None:
        """Tell the miner the epoch (warm-up schedules, k-NN graphs rebuilt from the current embedding)."""
        self.miner.on_train_epoch_start(self)

    def _seeded_step(self, batch: dict, batch_idx: int, stage: str) -> torch.Tensor:
        """``val_miner``'s random pairs seeded by the batch index: the same pairs every epoch (and at test time)."""
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(batch_idx)
            return self._step(batch, self.val_miner, stage)

    def on_validation_epoch_start(self) -> None:
        self.loop_embeddings.start("val")

    def on_test_epoch_start(self) -> None:
        self.loop_embeddings.start("test")

    def validation_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._seeded_step(batch, batch_idx, "val")

    def test_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._seeded_step(batch, batch_idx, "test")
