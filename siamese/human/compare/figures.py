"""Figures of human-similarity comparisons: model vs human scatter plots and printable sheets of numbered pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siamese.human.compare.stats import minmax
from siamese.human.io.display import display_pixels
from siamese.human.io.pair_set import PairSet
from siamese.utils.files import save_figure_atomic

LABELLED_POINTS = 200


def scatter_plot(model_values, human_values, path: Path, title: str, pair_ids=None,
                 ylabel: str = "mean human rating (min-max normalized)") -> Path:
    """Model vs human similarity per pair, both min-max normalized to [0, 1]; each point is labelled by pair id
    when there are at most ``LABELLED_POINTS`` (more labels are unreadable and cost seconds each hundred)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x, y = minmax(model_values), minmax(human_values)
    fig, ax = plt.subplots(figsize=(5, 5), dpi=120)
    ax.scatter(x, y, s=25 if len(x) <= LABELLED_POINTS else 4, color="tab:blue")
    if pair_ids is not None and len(x) <= LABELLED_POINTS:
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


def sheet_figure(pairs: PairSet, title: str = "", notes: list[str] | None = None, columns: int = 4):
    """A printable (A4 portrait) sheet: each pair as its two images side by side, numbered by pair id, with an
    optional line of ``notes`` under each (e.g. model and human scores); a long ``title`` wraps to the page."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(pairs)
    rows = int(np.ceil(n / columns))
    fig = plt.figure(figsize=(8.27, max(2.5, 2.2 * rows + 0.8)), dpi=150)
    title_lines = textwrap.wrap(title, width=80) if title else []
    if title_lines:
        fig.suptitle("\n".join(title_lines), fontsize=11)
    for k in range(n):
        ax = fig.add_subplot(rows, columns, k + 1)
        # dark digits on white paper print better than MNIST's white on black; RGB images as they are
        a, b = display_pixels(pairs.images_a[k]), display_pixels(pairs.images_b[k])
        gap = np.full((a.shape[0], max(2, round(a.shape[1] * 6 / 28)), *a.shape[2:]), 255, dtype=np.uint8)
        ax.imshow(np.hstack([a, gap, b]), cmap="gray" if a.ndim == 2 else None, vmin=0, vmax=255)
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_title(pairs.pair_id[k], fontsize=10, fontweight="bold")
        if notes:
            ax.set_xlabel(notes[k], fontsize=7)
    title_height = 0.25 * len(title_lines) / fig.get_figheight()  # inches per title line, as a figure fraction
    fig.tight_layout(rect=(0, 0, 1, 1 - title_height - 0.01 if title_lines else 1))
    return fig


def save_sheet(pairs: PairSet, path: str | Path, title: str = "", notes: list[str] | None = None,
               columns: int = 4) -> Path:
    """``sheet_figure`` written to ``path`` (PNG)."""
    import matplotlib.pyplot as plt

    fig = sheet_figure(pairs, title, notes, columns)
    path = Path(path)
    save_figure_atomic(fig, path)
    plt.close(fig)
    return path
