"""The final embeddings as a wandb Table with an image column (for wandb's embedding projector)."""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytorch_lightning as pl

from siamese.callbacks.split_embeddings import split_embeddings
from siamese.data.run_images import split_images
from siamese.utils.parameters import ParameterError

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
            raise ParameterError("max_rows", max_rows, "must be >= 1")
        self.splits, self.max_rows, self.key, self.seed = tuple(splits), max_rows, key, seed

    @staticmethod
    def _wandb_loggers(trainer):
        return [logger for logger in trainer.loggers if type(logger).__name__ == "WandbLogger"]

    def on_fit_end(self, trainer, pl_module) -> None:
        self.log_table(trainer, pl_module)

    def build_table(self, trainer, pl_module):
        import wandb

        splits, images = {}, {}
        data_config = dict((getattr(pl_module, "run_config", None) or {}).get("data") or {})
        for split in self.splits:
            # only the rows shown are embedded (sliced from the whole split when another callback embedded it)
            splits[split] = split_embeddings(trainer, pl_module, split, self.max_rows, self.seed)
            images[split] = [wandb.Image(image) for image in
                             split_images(data_config, [(split, splits[split]["index"], splits[split]["shift"])])]
        columns, rows = embedding_table_rows(splits, images)
        return wandb.Table(columns=columns, data=rows)

    def log_table(self, trainer, pl_module) -> None:
        """Log the table. wandb stages a table's images as artifact files under ``$WANDB_DATA_DIR`` (default
        ``~/.local/share/wandb/artifacts/staging``, outside the run: an offline run copied from a cluster node
        lost its images on ``wandb sync``, and the folder grew by every run); here they are staged inside the
        run, in ``<save_dir>/wandb/data``."""
        loggers = self._wandb_loggers(trainer)
        if not loggers or not trainer.is_global_zero:
            return
        table = self.build_table(trainer, pl_module)
        for logger in loggers:
            with _data_dir(Path(logger.save_dir or ".") / "wandb" / "data"):
                logger.experiment.log({self.key: table})
        log.info("logged %s: %d rows", self.key, len(table.data))


@contextmanager
def _data_dir(path: Path):
    """``$WANDB_DATA_DIR`` set to ``path`` (absolute) for the duration, restored afterwards."""
    previous = os.environ.get("WANDB_DATA_DIR")
    path.mkdir(parents=True, exist_ok=True)
    os.environ["WANDB_DATA_DIR"] = str(path.resolve())
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("WANDB_DATA_DIR", None)
        else:
            os.environ["WANDB_DATA_DIR"] = previous
