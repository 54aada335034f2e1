"""Alignment importance score (AIS): which feature maps of a layer carry human-like similarity.

After Truong, Pesenti & Hasson, "Alignment importance score". A layer has K feature maps; image i gives maps
F_i = (F_i1, ..., F_iK), each flattened (or globally average-pooled). The model similarity of images i and j is the
cosine over a subset S of maps,

    z_ij(S) = sum_{k in S} <F_ik, F_jk> / sqrt( sum_{k in S} |F_ik|^2 * sum_{k in S} |F_jk|^2 ),

so every subset's similarity follows from the per-map dot products and squared norms, computed once. Human
similarity h is given over the same pairs (all i < j of a matrix H, or the rated pairs). Alignment is
rho(S) = Spearman(z(S), h) over the pairs for a matrix (upper triangles) and Pearson for rated pairs.

    AIS_k = rho(all maps) - rho(all maps except k)

A map with positive AIS makes the similarity more human-like. Pruning ranks maps by AIS and keeps the prefix S*
of that ranking whose rho is highest on the training part; ``cross_validate`` measures it on held-out images.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from siamese.human.compare.stats import correlate_columns

METHODS = ("spearman", "pearson")


@dataclass
class HumanPairs:
    """Human similarity ``values`` of image pairs ``pairs`` ([P, 2] indices into an image set of ``num_images``).

    ``method``: ``spearman`` (a similarity matrix: all pairs of its upper triangle) or ``pearson`` (rated pairs).
    """

    pairs: np.ndarray
    values: np.ndarray
    num_images: int
    method: str = "pearson"

    def __post_init__(self):
        self.pairs = np.asarray(self.pairs, dtype=np.int64).reshape(-1, 2)
        self.values = np.asarray(self.values, dtype=np.float64)
        if len(self.pairs) != len(self.values):
            raise ValueError(f"{len(self.pairs)} pairs but {len(self.values)} human values")
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        if len(self.pairs) and (self.pairs.min() < 0 or self.pairs.max() >= self.num_images):
            raise ValueError(f"pair indices must lie in [0, {self.num_images}), "
                             f"got {self.pairs.min()}..{self.pairs.max()}")
        if (self.pairs[:, 0] == self.pairs[:, 1]).any():
            raise ValueError("a pair joins an image with itself")

    @classmethod
    def from_matrix(cls, matrix) -> "HumanPairs":
        """All pairs i < j of a symmetric N x N human similarity matrix (compared with Spearman)."""
        matrix = np.asarray(matrix, dtype=np.float64)
        if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
            raise ValueError(f"a similarity matrix must be square, got shape {matrix.shape}")
        i, j = np.triu_indices(len(matrix), k=1)
        return cls(np.stack([i, j], 1), matrix[i, j], len(matrix), "spearman")

    def restrict(self, images: np.ndarray) -> "HumanPairs":
        """The pairs whose two images both lie in ``images`` (indices keep their meaning)."""
        inside = np.zeros(self.num_images, dtype=bool)
        inside[np.asarray(images)] = True
        keep = inside[self.pairs[:, 0]] & inside[self.pairs[:, 1]]
        return HumanPairs(self.pairs[keep], self.values[keep], self.num_images, self.method)


@dataclass
class MapTerms:
    """Per-map dot products ``dots`` [P, K] of each pair and squared norms ``sq_norms`` [N, K] of each image."""

    dots: np.ndarray
    sq_norms: np.ndarray
    pairs: np.ndarray = field(repr=False)

    @classmethod
    def compute(cls, features, pairs: np.ndarray, pooling: str = "flatten") -> "MapTerms":
        """``features``: [N, K, ...] activations of N images (K maps). ``pooling``: ``flatten`` keeps every
        position of a map, ``mean`` reduces each map to its global average first."""
        f = torch.as_tensor(np.asarray(features) if not torch.is_tensor(features) else features).double()
        if f.ndim < 2:
            raise ValueError(f"features need shape [N, K, ...], got {tuple(f.shape)}")
        f = f.reshape(f.shape[0], f.shape[1], -1)
        if pooling == "mean":
            f = f.mean(-1, keepdim=True)
        elif pooling != "flatten":
            raise ValueError(f"pooling must be 'flatten' or 'mean', got {pooling!r}")
        pairs_t = torch.as_tensor(pairs, dtype=torch.long)
        dots = (f[pairs_t[:, 0]] * f[pairs_t[:, 1]]).sum(-1)
        return cls(dots.numpy(), f.pow(2).sum(-1).numpy(), np.asarray(pairs))

    @property
    def num_maps(self) -> int:
        return self.dots.shape[1]

    def similarity(self, masks: np.ndarray) -> np.ndarray:
        """Cosine similarity of every pair for each subset: ``masks`` [K, C] (0/1 columns) -> [P, C].
        A pair with a zero-norm side gets similarity 0."""
        numerator = self.dots @ masks
        norms = self.sq_norms @ masks
        denominator = np.sqrt(norms[self.pairs[:, 0]] * norms[self.pairs[:, 1]])
        return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)


def alignment(terms: MapTerms, human: HumanPairs, maps=None) -> float:
    """rho between model similarity over ``maps`` (default all) and the human values."""
    mask = np.zeros((terms.num_maps, 1))
    mask[np.arange(terms.num_maps) if maps is None else np.asarray(maps, dtype=np.int64), 0] = 1
    return float(correlate_columns(terms.similarity(mask), human.values, human.method)[0])


def alignment_importance(terms: MapTerms, human: HumanPairs) -> tuple[np.ndarray, float]:
    """AIS_k = rho(all) - rho(all but k) for every map k; returns ``(ais [K], rho_all)``."""
    k = terms.num_maps
    masks = np.concatenate([np.ones((k, 1)), 1.0 - np.eye(k)], axis=1)  # column 0: all maps; column 1+k: drop k
    rho = correlate_columns(terms.similarity(masks), human.values, human.method)
    return rho[0] - rho[1:], float(rho[0])


@dataclass
class PruneResult:
    order: np.ndarray          # maps ranked by AIS, highest first
    prefix_rho: np.ndarray     # rho of the top-m maps, m = 1..K
    selected: np.ndarray       # S*: the best prefix of ``order``
    rho_all: float
    rho_selected: float


def prune_by_ais(terms: MapTerms, human: HumanPairs, ais: np.ndarray | None = None) -> PruneResult:
    """Add maps greedily in AIS order and keep the prefix with the highest rho (ties: the smallest prefix)."""
    if ais is None:
        ais, _ = alignment_importance(terms, human)
    order = np.argsort(-np.nan_to_num(ais, nan=-np.inf), kind="stable")
    k = terms.num_maps
    prefix_masks = np.zeros((k, k))
    prefix_masks[order, :] = np.triu(np.ones((k, k)))  # column m holds the top m+1 maps
    prefix_rho = correlate_columns(terms.similarity(prefix_masks), human.values, human.method)
    # no defined rho at all (a constant layer): keep every map; the rho stay NaN and the report says why
    best = int(np.nanargmax(prefix_rho)) if np.isfinite(prefix_rho).any() else k - 1
    return PruneResult(order, prefix_rho, np.sort(order[: best + 1]), float(prefix_rho[-1]), float(prefix_rho[best]))


def summarize(features, human: HumanPairs, pooling: str = "flatten") -> dict:
    """AIS per map, S* on all pairs, rho of all maps and of S* (in-sample)."""
    terms = MapTerms.compute(features, human.pairs, pooling)
    ais, rho_all = alignment_importance(terms, human)
    pruned = prune_by_ais(terms, human, ais)
    return {"ais": ais, "rho_all": rho_all, "pruned": pruned, "terms": terms}
