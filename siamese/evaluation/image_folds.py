"""Cross-validation splits of rated image pairs: image-grouped k folds, nested inner folds, rater halves.

(Issue 18 wrote this before issue 14's ``siamese.evaluation.folds`` existed; the merge folds it in there.)

Image-grouped: two pairs that share an image (the same pixels) are in the same group, and so are pairs linked
through a chain of shared images (connected components of the image graph). A fold holds whole groups, so a
held-out pair never shows an image that a training pair showed: the test is on held-out pairs AND held-out
images.
"""

from __future__ import annotations

import hashlib

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def image_keys(images_a, images_b) -> np.ndarray:
    """``[N, 2]`` integer ids of the two images of each pair; equal pixels -> equal id (SHA-1 of the bytes)."""
    ids: dict[bytes, int] = {}
    keys = np.empty((len(images_a), 2), dtype=np.int64)
    for column, images in enumerate((images_a, images_b)):
        for row, image in enumerate(np.asarray(images)):
            digest = hashlib.sha1(np.ascontiguousarray(image).tobytes()).digest()
            keys[row, column] = ids.setdefault(digest, len(ids))
    return keys


def pair_groups(keys) -> np.ndarray:
    """Group id per pair: the connected component of its images in the graph whose edges are the pairs."""
    keys = np.asarray(keys, dtype=np.int64)
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    n = int(keys.max()) + 1
    graph = coo_matrix((np.ones(len(keys)), (keys[:, 0], keys[:, 1])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    return component[keys[:, 0]]


def grouped_folds(groups, k: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """``k`` folds ``[(train_rows, test_rows), ...]`` over rows with ``groups`` ids: the distinct groups are
    shuffled (seeded) and dealt into ``k`` near-equal chunks (``numpy.array_split``); fold ``f`` tests chunk ``f``.
    Every row is tested exactly once and a group is never split."""
    groups = np.asarray(groups)
    ids = np.random.default_rng(seed).permutation(np.unique(groups))
    if k < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, got {k}")
    if len(ids) < k:
        raise ValueError(f"{len(ids)} independent image groups cannot make {k} folds (pairs sharing an image "
                         f"stay together); use fewer folds")
    fold_of = {g: f for f, chunk in enumerate(np.array_split(ids, k)) for g in chunk}
    fold = np.array([fold_of[g] for g in groups.tolist()])
    return [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(k)]


def rater_halves(raters, seed: int = 0) -> tuple[list, list]:
    """The raters shuffled (seeded) and split into (first floor(n/2), the rest), each sorted."""
    raters = list(raters)
    if len(raters) < 2:
        raise ValueError(f"held-out raters need at least 2 raters, got {len(raters)}")
    order = [raters[i] for i in np.random.default_rng(seed).permutation(len(raters))]
    half = len(order) // 2
    return sorted(order[:half]), sorted(order[half:])
