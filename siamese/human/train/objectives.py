"""People's judgments as a training signal: rated pairs or 2AFC triplets, read by a network at one layer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import torch
from torch import nn

from siamese.human.compare.normalize import NORMALIZATIONS, normalize_ratings
from siamese.human.io.read import read_pairs, read_two_afc
from siamese.human.train.losses import pair_cosine


class RatedPairsObjective(nn.Module):
    """Rated image pairs: ``loss(s, h)`` with s_p the cosine similarity of pair p's activations at ``layer`` and
    h_p its mean rating (``PairRankingLoss`` or ``CorrelationLoss``).

    Images are uint8 ``[P, 28, 28]``; ``prepare(normalize)`` normalizes them as the training batches are (the
    module calls it with the data module's ``normalize`` before training). Each step uses ``pairs_per_step``
    random pairs (all when None).

    ``validation``: optional ``(images_a, images_b, ratings)`` of inner-validation pairs (never trained on);
    ``validation_scores(net)`` gives ``human_score`` = Pearson r of their similarity with their ratings and
    ``human_loss`` on them, for early stopping (``HumanTermMixin`` logs them as ``val/...``)."""

    def __init__(self, images_a, images_b, ratings, loss: nn.Module, layer: str = "embedding",
                 pairs_per_step: int | None = None, validation: tuple | None = None):
        super().__init__()
        if not (len(images_a) == len(images_b) == len(ratings)) or len(ratings) < 2:
            raise ValueError(f"rated pairs need >= 2 pairs with two images each, got {len(images_a)}, "
                             f"{len(images_b)} images and {len(ratings)} ratings")
        self.raw_a, self.raw_b = torch.as_tensor(np.asarray(images_a)), torch.as_tensor(np.asarray(images_b))
        self.register_buffer("ratings", torch.as_tensor(np.asarray(ratings), dtype=torch.float32), persistent=False)
        self.register_buffer("images_a", torch.empty(0), persistent=False)
        self.register_buffer("images_b", torch.empty(0), persistent=False)
        self.loss, self.layer, self.pairs_per_step = loss, layer, pairs_per_step
        self.validation = None
        if validation is not None:
            val_a, val_b, val_ratings = validation
            if not (len(val_a) == len(val_b) == len(val_ratings)) or len(val_ratings) < 3:
                raise ValueError(f"inner validation needs >= 3 rated pairs, got {len(val_ratings)} "
                                 f"(give more validation pairs)")
            self.validation = RatedPairsObjective(val_a, val_b, val_ratings, loss, layer)

    def prepare(self, normalize: Callable[[torch.Tensor], torch.Tensor]) -> None:
        device = self.ratings.device
        self.images_a, self.images_b = normalize(self.raw_a).to(device), normalize(self.raw_b).to(device)
        if self.validation is not None:
            self.validation.prepare(normalize)

    def similarity(self, net: nn.Module, rows: torch.Tensor | None = None) -> torch.Tensor:
        """s_p, the cosine of each pair's activations at ``layer`` (``rows``: a subset of the pairs)."""
        if self.images_a.numel() == 0:
            raise RuntimeError("RatedPairsObjective.prepare(normalize) must run before training")
        a, b = (self.images_a, self.images_b) if rows is None else (self.images_a[rows], self.images_b[rows])
        features = net.activations(torch.cat([a, b]), [self.layer])[self.layer]
        return pair_cosine(*features.split(len(a)))

    @torch.no_grad()
    def validation_scores(self, net: nn.Module) -> dict[str, torch.Tensor] | None:
        if self.validation is None:
            return None
        s, h = self.validation.similarity(net), self.validation.ratings
        s_c, h_c = s - s.mean(), h - h.mean()
        r = (s_c * h_c).sum() / (s_c.norm() * h_c.norm()).clamp(min=1e-12)
        return {"human_score": r, "human_loss": self.validation.loss(s, h)}

    def forward(self, net: nn.Module) -> torch.Tensor:
        rows = torch.arange(len(self.ratings), device=self.ratings.device)
        if self.pairs_per_step is not None and self.pairs_per_step < len(rows):
            rows = torch.randperm(len(rows), device=rows.device)[: self.pairs_per_step]
        return self.loss(self.similarity(net, rows), self.ratings[rows])


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


def check_known(names, known, key: str, kind: str, show_known: bool = False) -> None:
    """``ValueError`` naming ``key`` and the first (sorted) of ``names`` that is not in ``known``."""
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"{key} names unknown {kind} {unknown[0]!r}" + (f"; {kind}s: {list(known)}" if show_known
                                                                         else ""))


def rated_pairs_from_files(pairs_dir: str, ratings: str, loss: nn.Module, layer: str = "embedding",
                           pairs_per_step: int | None = None, scale: Sequence[float] = (1, 10),
                           train_pairs: Sequence[str] | None = None,
                           raters: Sequence[str] | None = None, val_fraction: float = 0.0,
                           val_seed: int = 0, normalize: str = "none") -> RatedPairsObjective:
    """The objective of a pair set and its ratings, as the ``human.*`` keys of ``task=human_aligned`` build it (this
    is the config's entry point, so its errors name those keys; docs/human_similarity.md). ``train_pairs``: only
    these pair ids train (the rest are held out, for cross-validation); ``raters``: only these raters' ratings are
    averaged.
    ``val_fraction``: this fraction of the training pairs (random, seeded by ``val_seed``; at least 3) is kept
    out of the loss as the inner validation set of early stopping.

    ``normalize`` (``none``, ``zscore``, ``rank``; siamese.human.compare.normalize): each of the kept raters'
    ratings is normalized before the ratings of a pair are averaged, h_p = mean over raters i of z_ip. The
    normalization of rater i reads only that rater's ratings of the training pairs (``train_pairs``, all pairs
    when None; the inner-validation pairs are among them): held-out ratings take no part in training, not even
    through a rater's mean or sd."""
    if normalize not in NORMALIZATIONS:
        raise ValueError(f"human.normalize={normalize!r} is not a rater normalization; choose from "
                         f"{list(NORMALIZATIONS)}")
    if not 0.0 <= float(val_fraction) < 1.0:
        raise ValueError(f"human.val_fraction must be in [0, 1), got {val_fraction}")
    if not pairs_dir or not ratings:
        raise ValueError("human.pairs and human.ratings must be set: python train.py experiment=human_aligned "
                         "human.pairs=DIR human.ratings=FILE")
    pairs = rated = read_pairs(pairs_dir, ratings, tuple(scale))
    if raters is not None:
        check_known(raters, rated.raters, "human.raters", "rater", show_known=True)
        rated = replace(rated, raters=list(raters), ratings=rated.ratings[[rated.raters.index(r) for r in raters]])
    training = np.ones(len(pairs.pair_id), dtype=bool)
    if train_pairs is not None:
        check_known(train_pairs, pairs.pair_id, "human.train_pairs", "pair")
        training = np.isin(pairs.pair_id, list(train_pairs))
        rated = replace(rated, ratings=np.where(training, rated.ratings, np.nan))  # held-out ratings never enter
    mean = normalize_ratings(rated, normalize).mean()
    keep = np.isfinite(mean) & training
    rows = np.flatnonzero(keep)
    validation = None
    if val_fraction > 0:
        rows = np.random.default_rng(val_seed).permutation(rows)
        n_val = max(3, round(val_fraction * len(rows)))
        if len(rows) - n_val < 2:
            raise ValueError(f"human.val_fraction={val_fraction} leaves {len(rows) - n_val} of {len(rows)} "
                             f"training pairs to train on; need >= 2")
        val_rows, rows = np.sort(rows[:n_val]), np.sort(rows[n_val:])
        validation = (pairs.images_a[val_rows], pairs.images_b[val_rows], mean[val_rows])
    return RatedPairsObjective(pairs.images_a[rows], pairs.images_b[rows], mean[rows], loss, layer, pairs_per_step,
                               validation)


def two_afc_from_files(trials_dir: str, loss: nn.Module, layer: str = "embedding", choices: str | None = None,
                       raters: Sequence[str] | None = None) -> TwoAFCObjective:
    """The 2AFC objective of a trial set (``make-triplets``) and the answers the rating page's 2AFC mode wrote
    (``choices``, default ``<trials_dir>/choices.csv``; the latest answer of each rater and trial): one term per
    answer, so a trial answered by several raters counts once per rater. ``raters``: only these raters."""
    if not trials_dir:
        raise ValueError("human.triplets must be set: python train.py experiment=human_aligned_2afc "
                         "human.triplets=DIR (a trial set with the choices.csv of the 2AFC page)")
    judgments = read_two_afc(trials_dir, choices)
    answers, images = judgments.two_afc, judgments.images
    keep = np.ones(len(answers.rater), dtype=bool)
    if raters is not None:
        check_known(raters, sorted(set(answers.rater)), "human.raters", "rater", show_known=True)
        keep = np.isin(answers.rater, list(raters))
    if keep.sum() < 1:
        raise ValueError(f"{trials_dir}: no 2AFC answers to train on")
    anchor, a, b, chosen = answers.rows()[keep].T
    return TwoAFCObjective(images[anchor], images[a], images[b], (chosen == a).astype(np.float32), loss, layer)
