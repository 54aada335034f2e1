"""The final embeddings as a wandb Table with an image column (for wandb's embedding projector)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pytorch_lightning as pl

from siamese.callbacks.split_embeddings import split_embeddings
from siamese.data.mnist_images import digit_images
from siamese.evaluation.embeddings import subsample_positions, take

log = logging.getLogger(__name__)


def embedding_table_rows(splits: dict[str, dict[str, np.ndarray]], images: dict[str, np.ndarray]):
    """``(columns, rows)``: one row per point, columns ``image`` (uint8 28x28, wrapped by the caller),
    ``split``, ``label``, ``shift``, ``index`` and one numeric column ``emb_<d>`` per embedding dimension (the
    layout wandb's 2D Projection panel picks up: every numeric column is a dimension unless deselected)."""
    dim = next(iter(splits.values()))["embedding"].shape[1]
    columns = ["image", "split", "label", "shift", "index"] + [f"emb_{d}" for d in range(dim)]
    rows = []
    for split, data in splits.items():
        for k in range(len(data["label"])):
            rows.append([images[split][k], split, int(data["label"][k]), int(data["shift"][k]), int(data["index"][k]),
                         *map(float, data["embedding"][k])])
    return columns, rows


class WandbEmbeddingTable(pl.Callback):
    """At the end of fitting (the final net), logs ``key`` to every
    WandbLogger: a ``wandb.Table`` of ``max_rows`` points per split of ``splits`` (fixed subsample) with the digit
    image, split, label, shift, MNIST index and the embedding. Without a WandbLogger it does nothing. In the wandb
    UI choose the table's "2D Projection" panel (PCA, UMAP or t-SNE of the ``emb_*`` columns, hover = image)."""

    def __init__(self, splits: Sequence[str] = ("test", "test_shifted"), max_rows: int = 500,
                 key: str = "embeddings/table", seed: int = 0):
        if max_rows < 1:
            raise ValueError(f"callbacks.wandb_embedding_table.max_rows must be >= 1, got {max_rows}")
        self.splits, self.max_rows, self.key, self.seed = tuple(splits), max_rows, key, seed

    @staticmethod
    def _wandb_loggers(trainer):
        return [logger for logger in trainer.loggers if type(logger).__name__ == "WandbLogger"]

    def on_fit_end(self, trainer, pl_module) -> None:
        self.log_table(trainer, pl_module)

    def build_table(self, trainer, pl_module):
        import wandb

        splits, images = {}, {}
        for split in self.splits:
            data = split_embeddings(trainer, pl_module, split)
            keep = subsample_positions(len(data["label"]), self.max_rows, self.seed)
            splits[split] = take(data, keep)
            images[split] = [wandb.Image(image) for image in
                             digit_images([(split, splits[split]["index"], splits[split]["shift"])])]
        columns, rows = embedding_table_rows(splits, images)
        return wandb.Table(columns=columns, data=rows)

    def log_table(self, trainer, pl_module) -> None:
        loggers = self._wandb_loggers(trainer)
        if not loggers or not trainer.is_global_zero:
            return
        table = self.build_table(trainer, pl_module)
        for logger in loggers:
            logger.experiment.log({self.key: table})
        log.info("logged %s: %d rows", self.key, len(table.data))
