"""The two model-free baselines of one-shot classification: raw pixels and the modified Hausdorff distance.

Both take MNIST-style pixels (strokes bright, background 0; ``siamese.data.omniglot_images``) and return a score
matrix ``[T, C]`` of T test images against C candidates, higher = more alike, so a test image is classified as
its argmax (the first candidate on a tie).

- ``pixel_cosine_scores``: cosine similarity of the flattened pixel vectors, a.b / (|a| |b|) (at 28 x 28 in the
  one-shot scorer). An image without ink scores 0 against everything.
- ``hausdorff_scores``: minus the modified Hausdorff distance (Dubuisson & Jain 1994) of the centred ink pixels,
  as the Omniglot dataset's own baseline computes it (Lake's ``demo_classification``): the ink of an image is the
  set of its stroke pixels (value >= ``threshold``; Omniglot's 1-bit drawings at their 105 x 105 resolution),
  as (row, column) coordinates minus their mean (the centre of mass), and
  MHD(A, B) = max(mean_{a in A} min_{b in B} |a - b|, mean_{b in B} min_{a in A} |a - b|) with Euclidean |.|.
  An image without ink is at distance inf from everything.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


def ink_points(pixels: np.ndarray, threshold: int = 128) -> np.ndarray:
    """``[n, 2]`` float (row, column) coordinates of the pixels >= ``threshold``, minus their mean."""
    rows, cols = np.nonzero(np.asarray(pixels) >= threshold)
    points = np.stack([rows, cols], axis=1).astype(float)
    return points - points.mean(axis=0) if len(points) else points


def modified_hausdorff(a: np.ndarray, b: np.ndarray) -> float:
    """MHD of point sets ``a`` [n, 2] and ``b`` [m, 2]: max of the two mean nearest-neighbour distances.

    Example: a = {(0, 0), (0, 3)}, b = {(0, 0)}: from a the nearest distances are 0 and 3 (mean 1.5), from b 0;
    MHD = 1.5. inf when either set is empty."""
    return _mhd(a, _tree(a), b, _tree(b))


def hausdorff_scores(test_pixels, candidate_pixels, threshold: int = 128) -> np.ndarray:
    """``-MHD`` of the centred ink of every test image [T, H, W] against every candidate [C, H, W]: ``[T, C]``.
    Nearest neighbours by k-d trees (exact Euclidean distances, one tree per image)."""
    tests = [ink_points(p, threshold) for p in test_pixels]
    candidates = [ink_points(p, threshold) for p in candidate_pixels]
    test_trees, candidate_trees = [_tree(t) for t in tests], [_tree(c) for c in candidates]
    return -np.array([[_mhd(t, tt, c, ct) for c, ct in zip(candidates, candidate_trees)]
                      for t, tt in zip(tests, test_trees)])


def _tree(points: np.ndarray):
    return cKDTree(points) if len(points) else None


def _mhd(a, tree_a, b, tree_b) -> float:
    if tree_a is None or tree_b is None:
        return float("inf")
    return float(max(tree_b.query(a)[0].mean(), tree_a.query(b)[0].mean()))


def pixel_cosine_scores(test_pixels, candidate_pixels) -> np.ndarray:
    """Cosine similarity of the flattened pixels of every test image [T, ...] and candidate [C, ...]: ``[T, C]``."""
    a = np.asarray(test_pixels, dtype=float).reshape(len(test_pixels), -1)
    b = np.asarray(candidate_pixels, dtype=float).reshape(len(candidate_pixels), -1)
    norm_a, norm_b = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    return (a @ b.T) / np.maximum(np.outer(norm_a, norm_b), np.finfo(float).tiny)
