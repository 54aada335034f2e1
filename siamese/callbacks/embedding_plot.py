"""2-D scatter plots of the embeddings of train, test and shifted test (``siamese.evaluation.plots``), and the raw
embeddings for review."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from siamese.callbacks.periodic import PeriodicEvaluation
from siamese.callbacks.split_embeddings import split_embeddings
from siamese.evaluation.plots import plot_embeddings, save_figure
from siamese.evaluation.projection import check_projection
from siamese.utils.files import write_bytes_atomic

log = logging.getLogger(__name__)


class EmbeddingPlot(PeriodicEvaluation):
    """Every ``every_n_epochs`` validation epochs and at the end of training: embed ``splits``, save
    ``<output_dir>/plots/embeddings_epoch_XXX.png`` (logged to the loggers) and the raw embeddings
    ``<output_dir>/embeddings/epoch_XXX.npz`` (``<split>/embedding``, ``/label``, ``/shift``, ``/index``).
    ``save_initial``: also epoch 0 (the untrained net), the first frame of the embedding evolution.
    ``projection``: ``pca`` (default) or ``umap`` for ``embedding_dim`` > 2 (the raw npz keep every dimension).
    ``max_items``: embed and save at most this many images of each split, a seeded subsample that is the same at
    every epoch (what the plot shows anyway: ``max_points`` per panel; the review's evolution follows the same
    images); None: whole splits (a forward pass over every train, test and shifted-test image per snapshot:
    ~104k images on ten digits)."""

    def __init__(self, output_dir: str, splits: Sequence[str] = ("train", "test", "test_shifted"),
                 every_n_epochs: int = 5, max_points: int = 4000, save_initial: bool = True,
                 projection: str = "pca", max_items: int | None = 2000):
        super().__init__(every_n_epochs, "embedding_plot", rank_zero_only=True)
        self.projection = check_projection(projection, "projection")
        self.save_initial = save_initial
        self.output_dir, self.splits = Path(output_dir), tuple(splits)
        self.max_points, self.max_items = max_points, max_items
        self._done_epochs: set[int] = set()

    def on_train_start(self, trainer, pl_module) -> None:
        if self.save_initial and trainer.is_global_zero and trainer.current_epoch == 0:
            self.snapshot(trainer, pl_module, 0)

    def evaluate(self, trainer, pl_module) -> None:
        self.snapshot(trainer, pl_module, trainer.current_epoch + 1)  # named by epochs completed

    def on_fit_end(self, trainer, pl_module) -> None:
        if trainer.is_global_zero and trainer.current_epoch not in self._done_epochs:
            self.snapshot(trainer, pl_module, trainer.current_epoch)

    def snapshot(self, trainer, pl_module, epoch: int) -> Path:
        self._done_epochs.add(epoch)
        splits = {name: split_embeddings(trainer, pl_module, name, self.max_items) for name in self.splits}
        (self.output_dir / "embeddings").mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()  # written whole, then renamed: a review during training never reads half a file
        np.savez_compressed(buffer, **{f"{split}/{key}": value for split, data in splits.items()
                                       for key, value in data.items()})
        write_bytes_atomic(self.output_dir / "embeddings" / f"epoch_{epoch:03d}.npz", buffer.getvalue())
        sizes = {name: len(trainer.datamodule.eval_dataloader(name).dataset) for name in self.splits}
        fig = plot_embeddings(splits, title=f"epoch {epoch}", max_points=self.max_points,
                              projection=self.projection, split_sizes=sizes)  # "2000 of 10612 drawn"
        path = save_figure(fig, self.output_dir / "plots" / f"embeddings_epoch_{epoch:03d}.png", dpi=110)
        for logger in trainer.loggers:
            if hasattr(logger, "log_image"):
                logger.log_image(key="embeddings", images=[str(path)], step=trainer.global_step)
        log.info("saved %s", path)
        return path
