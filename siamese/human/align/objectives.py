"""People's judgments as a training signal: rated pairs or 2AFC triplets, read by a network at one layer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from siamese.human.align.losses import pair_cosine
from siamese.human.io.pair_set import load_pair_set
from siamese.human.io.ratings import load_ratings


class RatedPairsObjective(nn.Module):
    """Rated image pairs: ``loss(s, h)`` with s_p the cosine similarity of pair p's activations at ``layer`` and
    h_p its mean rating (``PairRankingLoss`` or ``CorrelationLoss``).

    Images are uint8 ``[P, 28, 28]``; ``prepare(normalize)`` normalizes them as the training batches are (the
    module calls it with the data module's ``normalize`` before training). Each step uses ``pairs_per_step``
    random pairs (all when None)."""

    def __init__(self, images_a, images_b, ratings, loss: nn.Module, layer: str = "embedding",
                 pairs_per_step: int | None = None):
        super().__init__()
        if not (len(images_a) == len(images_b) == len(ratings)) or len(ratings) < 2:
            raise ValueError(f"rated pairs need >= 2 pairs with two images each, got {len(images_a)}, "
                             f"{len(images_b)} images and {len(ratings)} ratings")
        self.raw_a, self.raw_b = torch.as_tensor(np.asarray(images_a)), torch.as_tensor(np.asarray(images_b))
        self.register_buffer("ratings", torch.as_tensor(np.asarray(ratings), dtype=torch.float32), persistent=False)
        self.register_buffer("images_a", torch.empty(0), persistent=False)
        self.register_buffer("images_b", torch.empty(0), persistent=False)
        self.loss, self.layer, self.pairs_per_step = loss, layer, pairs_per_step

    def prepare(self, normalize: Callable[[torch.Tensor], torch.Tensor]) -> None:
        device = self.ratings.device
        self.images_a, self.images_b = normalize(self.raw_a).to(device), normalize(self.raw_b).to(device)

    def forward(self, net: nn.Module) -> torch.Tensor:
        if self.images_a.numel() == 0:
            raise RuntimeError("RatedPairsObjective.prepare(normalize) must run before training")
        rows = torch.arange(len(self.ratings), device=self.ratings.device)
        if self.pairs_per_step is not None and self.pairs_per_step < len(rows):
            rows = torch.randperm(len(rows), device=rows.device)[: self.pairs_per_step]
        features = net.activations(torch.cat([self.images_a[rows], self.images_b[rows]]), [self.layer])[self.layer]
        a, b = features.split(len(rows))
        return self.loss(pair_cosine(a, b), self.ratings[rows])


class TwoAFCObjective(nn.Module):
    """2AFC / odd-one-out judgments: uint8 images ``anchor``, ``a``, ``b`` [T, 28, 28] and ``chose_a`` [T] (1 when
    the person found a more similar to the anchor); ``loss`` is a ``TwoAFCLoss``."""

    def __init__(self, anchor, a, b, chose_a, loss: nn.Module, layer: str = "embedding"):
        super().__init__()
        self.raw = [torch.as_tensor(np.asarray(x)) for x in (anchor, a, b)]
        self.register_buffer("chose_a", torch.as_tensor(np.asarray(chose_a), dtype=torch.float32), persistent=False)
        self.register_buffer("images", torch.empty(0), persistent=False)
        self.loss, self.layer = loss, layer

    def prepare(self, normalize: Callable[[torch.Tensor], torch.Tensor]) -> None:
        self.images = torch.cat([normalize(x) for x in self.raw]).to(self.chose_a.device)

    def forward(self, net: nn.Module) -> torch.Tensor:
        features = net.activations(self.images, [self.layer])[self.layer]
        anchor, a, b = features.split(len(self.chose_a))
        return self.loss(pair_cosine(anchor, a), pair_cosine(anchor, b), self.chose_a)


def rated_pairs_from_files(pairs_dir: str, ratings: str, loss: nn.Module, layer: str = "embedding",
                           pairs_per_step: int | None = None, scale: Sequence[float] = (1, 10),
                           train_pairs: Sequence[str] | None = None,
                           raters: Sequence[str] | None = None) -> RatedPairsObjective:
    """The objective of a pair set and its ratings (docs/human_similarity.md). ``train_pairs``: only these pair ids
    train (the rest are held out, for cross-validation); ``raters``: only these raters' ratings are averaged."""
    if not pairs_dir or not ratings:
        raise ValueError("human.pairs and human.ratings must be set: python train.py experiment=human_aligned "
                         "human.pairs=DIR human.ratings=FILE")
    pairs = load_pair_set(pairs_dir)
    rated = load_ratings(ratings, pairs.pair_id, tuple(scale))
    if raters is not None:
        unknown = sorted(set(raters) - set(rated.raters))
        if unknown:
            raise ValueError(f"human.raters names unknown rater {unknown[0]!r}; raters: {rated.raters}")
        rated.matrix = rated.matrix[[rated.raters.index(r) for r in raters]]
    mean = rated.mean()
    keep = np.isfinite(mean)
    if train_pairs is not None:
        unknown = sorted(set(train_pairs) - set(pairs.pair_id))
        if unknown:
            raise ValueError(f"human.train_pairs names unknown pair {unknown[0]!r}")
        keep &= np.isin(pairs.pair_id, list(train_pairs))
    rows = np.flatnonzero(keep)
    return RatedPairsObjective(pairs.images_a[rows], pairs.images_b[rows], mean[rows], loss, layer, pairs_per_step)
