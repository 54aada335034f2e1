"""The pair sheet figure checked on the matplotlib objects: the title wraps inside the page."""

from __future__ import annotations

import numpy as np
from figure_helpers import inside, keep


def test_the_pair_sheet_title_wraps_inside_the_page(tmp_path):
    from siamese.human.compare.figures import sheet_figure
    from siamese.human.io.pair_set import PairSet

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(2, 9, 28, 28)).astype(np.uint8)
    pairs = PairSet([f"p{k}" for k in range(9)], images[0], images[1])
    fig = sheet_figure(pairs, title="pairs with SYNTHETIC ratings (not from people) mean rating (normalized) and "
                                    "model similarity (min-max normalized), a long title that used to run off",
                       notes=["human 5.0 (0.50)\nconv1 0.10, conv2 0.20, fc 0.30"] * 9)
    keep(fig, "sheet", tmp_path)
    assert "\n" in fig._suptitle.get_text() and inside(fig, fig._suptitle)
