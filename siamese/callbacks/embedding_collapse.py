"""Detects embedding collapse: every input mapped to (nearly) the same point."""

from __future__ import annotations

import logging

from siamese.callbacks.periodic import PeriodicEvaluation
from siamese.callbacks.split_embeddings import split_embeddings
from siamese.evaluation.collapse import embedding_spread
from siamese.utils.parameters import ParameterError

log = logging.getLogger(__name__)


class EmbeddingCollapse(PeriodicEvaluation):
    """After every ``every_n_epochs``-th validation epoch (default every one) and the last, embeds the ``split``
    (default val) and logs ``<split>/embedding_spread``;
    warns in the log when the embeddings have collapsed, i.e. ``spread < max(min_spread, rel_spread * scale)``
    (see ``embedding_spread``): absolutely close together (the losses' margins are about 1, so 1e-3 is nothing)
    or close relative to their distance from the origin (all far away at one point)."""

    def __init__(self, split: str = "val", min_spread: float = 1e-3, rel_spread: float = 1e-3,
                 every_n_epochs: int = 1):
        super().__init__(every_n_epochs, "embedding_collapse")
        for parameter, value in (("min_spread", min_spread), ("rel_spread", rel_spread)):
            if value < 0:
                raise ParameterError(parameter, value, "must be >= 0")
        self.split, self.min_spread, self.rel_spread = split, min_spread, rel_spread
        self.collapsed_epochs: list[int] = []

    def logged_metrics(self, pl_module) -> set[str]:
        return {f"{self.split}/embedding_spread"}

    def evaluate(self, trainer, pl_module) -> None:
        embeddings = split_embeddings(trainer, pl_module, self.split)["embedding"]
        spread, scale = embedding_spread(embeddings)
        pl_module.log(f"{self.split}/embedding_spread", spread, sync_dist=trainer.world_size > 1)  # same on all ranks
        threshold = max(self.min_spread, self.rel_spread * scale)
        if spread < threshold and trainer.is_global_zero:
            self.collapsed_epochs.append(trainer.current_epoch)
            log.warning("embedding collapse at epoch %d: the %d %s embeddings lie within RMS distance %.3g of their "
                        "mean (RMS norm %.3g; threshold %.3g), so the net maps all inputs to nearly one point. "
                        "Check the learning rate, the loss margin and the miner.",
                        trainer.current_epoch, len(embeddings),
                        self.split, spread, scale, threshold)
