"""The inputs of an alignment-importance analysis: images and the human similarity over their pairs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siamese.human.ais.core import HumanPairs


@dataclass
class AlignmentData:
    """Images (uint8, for display), the human similarity over their pairs, and a label for outputs."""

    images: np.ndarray
    human: HumanPairs
    synthetic: bool = False


def from_pair_set(pairs, ratings) -> AlignmentData:
    """Rated pairs: image 2p is pair p's first image and 2p+1 its second; h_p = mean rating (unrated pairs dropped).
    Alignment is Pearson over pairs. SYNTHETIC when the ratings or the pair set say so in their files."""
    mean = ratings.mean()
    keep = np.flatnonzero(np.isfinite(mean))
    images = np.stack([pairs.images_a[keep], pairs.images_b[keep]], axis=1).reshape(-1, *pairs.images_a.shape[1:])
    index = np.arange(2 * len(keep)).reshape(-1, 2)
    return AlignmentData(images, HumanPairs(index, mean[keep], len(images), "pearson"),
                         bool(ratings.synthetic or pairs.synthetic))


def from_matrix(images: np.ndarray, similarity: np.ndarray, synthetic: bool = False) -> AlignmentData:
    """An image set with an N x N human similarity matrix (Spearman over the upper triangle)."""
    return AlignmentData(np.asarray(images), HumanPairs.from_matrix(similarity), synthetic)
