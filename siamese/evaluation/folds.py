"""Cross-validation splits over image pairs, grouped by image: the one module every held-out analysis uses.

Pairs that share an image are linked; a connected group of images (and all its pairs) goes to train or to test
whole, so no held-out pair shows the model an image it was fitted or aligned on. Groups are the connected
components of the graph whose nodes are images and whose edges are pairs (``scipy.sparse.csgraph``), numbered in
order of their smallest image. Every split is seeded (``numpy.random.default_rng(seed)``).
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def image_groups(pairs, num_images: int | None = None) -> np.ndarray:
    """Group id of each image (0 .. G-1): images joined by a chain of pairs share a group. ``pairs`` [P, 2]."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    n = int(num_images if num_images is not None else (pairs.max() + 1 if len(pairs) else 0))
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def pair_kfold(pairs, k: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """k folds over pairs, ``[(train_rows, heldout_rows), ...]``: the image groups are shuffled (seeded) and dealt
    into k near-equal chunks; every pair is held out exactly once, with the other pairs of its group."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    group = image_groups(pairs)[pairs[:, 0]]
    ids = np.random.default_rng(seed).permutation(np.unique(group))
    if len(ids) < k:
        raise ValueError(f"{len(ids)} independent pair groups cannot make {k} folds")
    fold_of_group = np.empty(group.max() + 1, dtype=np.int64)
    for fold, chunk in enumerate(np.array_split(ids, k)):
        fold_of_group[chunk] = fold
    fold = fold_of_group[group]
    return [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(k)]


def split_units(pairs, num_images: int, min_groups: int = 5) -> np.ndarray:
    """The unit that goes to train or test whole, per image: its image group when the pairs form at least
    ``min_groups`` groups (rated pairs of distinct images, say), else the image itself (a similarity matrix links
    every image to every other, so its images are split one by one)."""
    groups = image_groups(pairs, num_images)
    return groups if len(np.unique(groups)) >= min_groups else np.arange(num_images)


def random_image_split(pairs, num_images: int, test_fraction: float,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A random ``1 - test_fraction`` : ``test_fraction`` split of the images by unit (``split_units``); returns
    ``(train_images, test_images)``, at least one unit in test."""
    units = split_units(pairs, num_images)
    ids = rng.permutation(np.unique(units))
    n_test = max(1, round(test_fraction * len(ids)))
    test_units = np.isin(units, ids[:n_test])
    return np.flatnonzero(~test_units), np.flatnonzero(test_units)
