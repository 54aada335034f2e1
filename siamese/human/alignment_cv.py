"""Honest evaluation of human-aligned training: k-fold cross-validation over rated pairs."""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats
from torch import nn

from siamese.losses.human_alignment import pair_cosine
from siamese.models.layer_reader import read_layer


def pair_folds(pairs: np.ndarray, k: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """k folds over rated pairs: ``[(train_rows, heldout_rows), ...]``.

    Pairs that share an image are kept in the same fold (grouped by connected images), so no held-out pair shows
    the model an image it was aligned on, and every pair is held out exactly once."""
    pairs = np.asarray(pairs)
    group = _image_groups(pairs)
    ids = np.random.default_rng(seed).permutation(np.unique(group))
    if len(ids) < k:
        raise ValueError(f"{len(ids)} independent pair groups cannot make {k} folds")
    fold_of_group = {g: f for f, chunk in enumerate(np.array_split(ids, k)) for g in chunk}
    fold = np.array([fold_of_group[g] for g in group])
    return [(np.flatnonzero(fold != f), np.flatnonzero(fold == f)) for f in range(k)]


def _image_groups(pairs: np.ndarray) -> np.ndarray:
    """Union-find over images: one group id per pair."""
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs.tolist():
        parent[find(a)] = find(b)
    return np.array([find(a) for a, _ in pairs.tolist()])


@torch.no_grad()
def pair_similarity(net: nn.Module, images_a: torch.Tensor, images_b: torch.Tensor, layer: str) -> np.ndarray:
    """Cosine similarity of each pair's activations at ``layer`` (eval mode)."""
    return pair_cosine(read_layer(net, layer, images_a), read_layer(net, layer, images_b)).numpy()


def heldout_correlation(similarity: np.ndarray, ratings: np.ndarray) -> dict[str, float]:
    return {"r": float(stats.pearsonr(similarity, ratings).statistic),
            "rho": float(stats.spearmanr(similarity, ratings).statistic)}
