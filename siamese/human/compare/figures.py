"""Figures of human-similarity comparisons: model vs human scatter plots and printable sheets of numbered pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siamese.human.compare.stats import minmax
from siamese.human.io.pair_set import PairSet
from siamese.utils.files import save_figure_atomic


def scatter_plot(model_values, human_values, path: Path, title: str, pair_ids=None,
                 ylabel: str = "mean human rating (min-max normalized)") -> Path:
    """Model vs human similarity per pair, both min-max normalized to [0, 1], each point labelled by pair id."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, y = minmax(model_values), minmax(human_values)
    fig, ax = plt.subplots(figsize=(5, 5), dpi=120)
    ax.scatter(x, y, s=25, color="tab:blue")
    if pair_ids is not None:
        for xi, yi, name in zip(x, y, pair_ids):
            ax.annotate(name, (xi, yi), fontsize=6, xytext=(2, 2), textcoords="offset points")
    ax.plot([0, 1], [0, 1], color="0.7", lw=0.8, ls="--")
    ax.set_xlim(-0.05, 1.05), ax.set_ylim(-0.05, 1.05)
    ax.set_xlabel("model similarity (min-max normalized)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    save_figure_atomic(fig, path)
    plt.close(fig)
    return path


def save_sheet(pairs: PairSet, path: str | Path, title: str = "", notes: list[str] | None = None,
               columns: int = 4) -> Path:
    """A printable (A4 portrait) PNG sheet: each pair as its two images side by side, numbered by pair id, with
    an optional line of ``notes`` under each (e.g. model and human scores)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(pairs)
    rows = int(np.ceil(n / columns))
    fig = plt.figure(figsize=(8.27, max(2.5, 2.2 * rows + 0.8)), dpi=150)
    if title:
        fig.suptitle(title, fontsize=11)
    for k in range(n):
        ax = fig.add_subplot(rows, columns, k + 1)
        gap = np.zeros((28, 6), dtype=np.uint8)  # white after the inversion below
        # dark digits on white paper print better than MNIST's white on black
        ax.imshow(255 - np.hstack([pairs.images_a[k], gap, pairs.images_b[k]]), cmap="gray", vmin=0, vmax=255)
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_title(pairs.pair_id[k], fontsize=10, fontweight="bold")
        if notes:
            ax.set_xlabel(notes[k], fontsize=7)
    fig.tight_layout(rect=(0, 0, 1, 0.97 if title else 1))
    path = Path(path)
    save_figure_atomic(fig, path)
    plt.close(fig)
    return path
