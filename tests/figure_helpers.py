"""Helpers for figure tests: whether an artist lies inside the figure, and keeping a PNG for a look."""

from __future__ import annotations

import os


def inside(fig, artist) -> bool:
    fig.canvas.draw()
    box, page = artist.get_window_extent(), fig.bbox
    return box.x0 >= page.x0 - 1 and box.x1 <= page.x1 + 1 and box.y0 >= page.y0 - 1 and box.y1 <= page.y1 + 1


def keep(fig, name, tmp_path):
    """Save the figure to SIAMESE_FIGURE_DIR when set (to look at it), else to the test's tmp_path."""
    folder = os.environ.get("SIAMESE_FIGURE_DIR")
    fig.savefig(f"{folder or tmp_path}/{name}.png", dpi=90)
