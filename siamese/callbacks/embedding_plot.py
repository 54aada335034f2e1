"""2-D scatter plots of the embeddings of train, test and shifted test, and the raw embeddings for review."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from siamese.callbacks.periodic import PeriodicEvaluation  # noqa: E402
from siamese.utils.embeddings import split_embeddings  # noqa: E402
from siamese.utils.projection import check_projection, project_2d  # noqa: E402

log = logging.getLogger(__name__)

SPLIT_TITLES = {"train": "train", "val": "validation", "test": "test", "test_shifted": "shifted test"}


def shade(rgb, shift: int, max_shift: int) -> tuple:
    """Digit colour darkened for left shifts and lightened for right shifts (unshifted: the colour itself)."""
    t = 0.0 if max_shift == 0 else shift / max_shift * 0.55
    rgb = np.asarray(rgb[:3])
    return tuple(rgb + (1 - rgb) * t) if t > 0 else tuple(rgb * (1 + t))


def plot_embeddings(splits: dict[str, dict[str, np.ndarray]], title: str = "", max_points: int = 4000, seed: int = 0,
                    projection: str = "pca"):
    """One scatter panel per split: colour = digit, shade and marker = shift (◀ left, ● none, ▶ right);
    embeddings of more than 2 dimensions are shown through ``projection`` (``pca`` or ``umap``, fitted on train)."""
    xy = project_2d({name: data["embedding"] for name, data in splits.items()}, method=projection)
    digits = sorted(set(np.concatenate([d["label"] for d in splits.values()]).tolist()))
    cmap = plt.get_cmap("tab10")
    max_shift = max(1, max(int(np.abs(d["shift"]).max()) for d in splits.values()))
    fig, axes = plt.subplots(1, len(splits), figsize=(5.2 * len(splits), 5), squeeze=False)
    rng = np.random.default_rng(seed)
    for ax, (name, data) in zip(axes[0], splits.items()):
        keep = np.arange(len(data["label"]))
        if len(keep) > max_points:
            keep = np.sort(rng.choice(keep, max_points, replace=False))
        labels, shifts, points = data["label"][keep], data["shift"][keep], xy[name][keep]
        for shift in np.unique(shifts):
            marker = "o" if shift == 0 else ("<" if shift < 0 else ">")
            for digit in digits:
                sel = (shifts == shift) & (labels == digit)
                if sel.any():
                    ax.scatter(points[sel, 0], points[sel, 1], s=7, marker=marker, alpha=0.6, linewidths=0,
                               color=shade(cmap(digit % 10), int(shift), max_shift))
        ax.set_title(f"{SPLIT_TITLES.get(name, name)} (n={len(data['label'])})")
        ax.set_aspect("equal", adjustable="datalim")
        ax.grid(alpha=0.2)
    handles = [Line2D([], [], ls="", marker="o", color=cmap(d % 10), label=str(d)) for d in digits]
    all_shifts = sorted(set(np.concatenate([d["shift"] for d in splits.values()]).tolist()))
    handles += [Line2D([], [], ls="", marker="o" if s == 0 else ("<" if s < 0 else ">"),
                       color=shade((0.35, 0.35, 0.35), s, max_shift), label=f"shift {s:+d}") for s in all_shifts]
    fig.legend(handles=handles, loc="center right", frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 0.9, 0.95))
    return fig


class EmbeddingPlot(PeriodicEvaluation):
    """Every ``every_n_epochs`` validation epochs and at the end of training: embed ``splits``, save
    ``<output_dir>/plots/embeddings_epoch_XXX.png`` (logged to the loggers) and the raw embeddings
    ``<output_dir>/embeddings/epoch_XXX.npz`` (``<split>/embedding``, ``/label``, ``/shift``, ``/index``).
    ``save_initial``: also epoch 0 (the untrained net), the first frame of the embedding evolution.
    ``projection``: ``pca`` (default) or ``umap`` for ``embedding_dim`` > 2 (the raw npz keep every dimension)."""

    def __init__(self, output_dir: str, splits: Sequence[str] = ("train", "test", "test_shifted"),
                 every_n_epochs: int = 5, max_points: int = 4000, save_initial: bool = True,
                 projection: str = "pca"):
        super().__init__(every_n_epochs, "embedding_plot", rank_zero_only=True)
        self.projection = check_projection(projection, "callbacks.embedding_plot.projection")
        self.save_initial = save_initial
        self.output_dir, self.splits = Path(output_dir), tuple(splits)
        self.max_points = max_points
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
        splits = {name: split_embeddings(trainer, pl_module, name) for name in self.splits}
        (self.output_dir / "embeddings").mkdir(parents=True, exist_ok=True)
        np.savez_compressed(self.output_dir / "embeddings" / f"epoch_{epoch:03d}.npz",
                            **{f"{split}/{key}": value for split, data in splits.items() for key, value in data.items()})
        fig = plot_embeddings(splits, title=f"epoch {epoch}", max_points=self.max_points,
                              projection=self.projection)
        path = self.output_dir / "plots" / f"embeddings_epoch_{epoch:03d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        for logger in trainer.loggers:
            if hasattr(logger, "log_image"):
                logger.log_image(key="embeddings", images=[str(path)], step=trainer.global_step)
        log.info("saved %s", path)
        return path
