"""What an alignment-importance analysis reads from people's judgments: the human similarity of image pairs."""

from __future__ import annotations

import numpy as np

from siamese.human.ais.core import HumanPairs
from siamese.human.io.judgments import Judgments


def human_pairs(judgments: Judgments) -> HumanPairs:
    """The human similarity AIS aligns with, over ``judgments.images``: a similarity matrix gives all pairs i < j
    of its upper triangle (compared with Spearman); rated pairs give each pair with at least one rating, valued by
    its mean rating (compared with Pearson; unrated pairs are left out)."""
    if judgments.similarity is not None:
        return HumanPairs.from_matrix(judgments.similarity)
    if judgments.ratings is None:
        raise ValueError("alignment importance needs rated pairs or a similarity matrix; these judgments hold neither")
    mean = judgments.mean()
    keep = np.flatnonzero(np.isfinite(mean))
    return HumanPairs(judgments.pairs[keep], mean[keep], len(judgments.images), "pearson")
