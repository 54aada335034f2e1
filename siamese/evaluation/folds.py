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
    return grouped_folds(image_groups(pairs)[pairs[:, 0]], k, seed)


def grouped_folds(groups, k: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """k folds ``[(train_rows, test_rows), ...]`` over rows with group ids ``groups`` (any integers, e.g. a subset
    of pairs' image groups, for folds nested inside a training part): the distinct groups are shuffled (seeded)
    and dealt into k near-equal chunks (``numpy.array_split``); fold f tests chunk f. Every row is tested exactly
    once and a group is never split."""
    groups = np.asarray(groups, dtype=np.int64)
    if k < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, got {k}")
    ids = np.random.default_rng(seed).permutation(np.unique(groups))
    if len(ids) < k:
        raise ValueError(f"{len(ids)} independent pair groups cannot make {k} folds (pairs sharing an image stay "
                         f"together); use fewer folds")
    fold_of_group = {int(g): fold for fold, chunk in enumerate(np.array_split(ids, k)) for g in chunk}
    fold = np.array([fold_of_group[g] for g in groups.tolist()], dtype=np.int64)
    return [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(k)]


def image_keys(images_a, images_b) -> np.ndarray:
    """``[N, 2]`` image ids of the two images of each of N pairs given as pixels: equal pixels -> equal id (SHA-1
    of the bytes), ids numbered in order of first appearance, column a first. Feeds ``image_groups`` when a pair
    set carries images rather than image ids."""
    import hashlib

    ids: dict[bytes, int] = {}
    keys = np.empty((len(images_a), 2), dtype=np.int64)
    for column, images in enumerate((images_a, images_b)):
        for row, image in enumerate(np.asarray(images)):
            digest = hashlib.sha1(np.ascontiguousarray(image).tobytes()).digest()
            keys[row, column] = ids.setdefault(digest, len(ids))
    return keys


def pair_groups(pairs) -> np.ndarray:
    """Group id of each pair (the image group of its images); ``pairs`` [P, 2] image ids."""
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return image_groups(pairs)[pairs[:, 0]] if len(pairs) else np.zeros(0, dtype=np.int64)


def rater_halves(raters, seed: int = 0) -> tuple[list, list]:
    """The raters shuffled (seeded) and split into (the first floor(n/2), the rest), each sorted."""
    raters = list(raters)
    if len(raters) < 2:
        raise ValueError(f"held-out raters need at least 2 raters, got {len(raters)}")
    order = [raters[i] for i in np.random.default_rng(seed).permutation(len(raters))]
    half = len(order) // 2
    return sorted(order[:half]), sorted(order[half:])


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
