"""Held-out evaluation of readouts: image-grouped outer folds, nested CV of the regularization inside them.

For every readout (a kind on some layers) and every outer fold: choose ``reg`` by inner image-grouped CV on the
fold's training pairs only (``Readout.select``), refit on those pairs, score the fold's held-out pairs (which
share no image with any training pair). Each fold's held-out scores are standardized with the mean and sd of
that fold's readout on its own training pairs (so folds whose regularization differs share one scale, decided
without the held-out pairs; it leaves each fold's correlation unchanged), then pooled over the folds and
correlated with the mean rating (Pearson r and Spearman rho, BCa bootstrap 95% CIs over images where pairs
share images, else over pairs; permutation p), next to the frozen layers' plain cosine on the same pairs and the
raters' noise ceiling (leave-one-out r with its own bootstrap CI; split-half Spearman-Brown), all on the same
normalized ratings. A single-layer readout also gets its gain over that layer's frozen cosine, ``gain_r``, with a
paired bootstrap CI (both correlations on the same resample).

``holdout_raters``: the raters are split in two halves (seeded); readouts are fitted to the mean of the first
half and scored against the mean of the second, on held-out pairs. The reference is then the correlation of
the two halves' means over the held-out pairs (``rater_half_r``).

Finally every readout is fitted once more on all the rated pairs (its ``reg`` chosen by CV on all of them):
that is the readout ``align-readout`` saves for ``eval --readout``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

import numpy as np

from siamese.evaluation.folds import grouped_folds, pair_groups, rater_halves
from siamese.human.compare.stats import (
    bootstrap_gain_ci,
    ceiling_ci,
    compare,
    leave_one_out_ceiling,
    pearson,
    split_half_ceiling,
)
from siamese.human.io.judgments import Judgments
from siamese.human.readouts import PairFeatures, Readout

log = logging.getLogger(__name__)


@dataclass
class ReadoutSpec:
    kind: str
    layers: list[str]

    @property
    def name(self) -> str:
        return f"{self.kind}[{'+'.join(self.layers)}]"

    def build(self, seed: int = 0) -> Readout:
        if self.kind not in Readout.registry:
            raise ValueError(f"unknown readout {self.kind!r}; choose from {sorted(Readout.registry)}")
        return Readout.registry[self.kind](self.layers, seed=seed)


@dataclass
class ReadoutCVResult:
    rows: list[dict]                         # one per frozen layer and per readout
    ceiling: dict[str, float]
    folds: int
    heldout_raters: bool
    raters_fit: list[str]
    raters_eval: list[str]
    final: dict[str, Readout] = field(default_factory=dict)  # spec name -> readout fitted on all rated pairs


def _finite_mean(values) -> float:
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else float("nan")


def _finite_sd(values) -> float:
    finite = [v for v in values if np.isfinite(v)]
    return float(np.std(finite)) if finite else float("nan")


def _mean_of(judgments: Judgments, raters) -> np.ndarray:
    """Mean rating per pair over ``raters`` only (NaN where none of them rated it)."""
    rows = [judgments.raters.index(rater) for rater in raters]
    return replace(judgments, raters=list(raters), ratings=judgments.ratings[rows]).mean()


def cross_validate_readouts(judgments: Judgments, features: PairFeatures, specs: list[ReadoutSpec], folds: int = 5,
                            inner_folds: int = 4, holdout_raters: bool = False, seed: int = 0,
                            n_boot: int = 2000, n_perm: int = 2000, fit_final: bool = True) -> ReadoutCVResult:
    """The evaluation of the module doc. The ratings of ``judgments`` are already normalized
    (``normalize_ratings``); ``features`` are those of its pairs, in order."""
    if len(features) != len(judgments):
        raise ValueError(f"features of {len(features)} pairs for judgments of {len(judgments)} pairs")
    fit_raters, eval_raters = list(judgments.raters), list(judgments.raters)
    if holdout_raters:
        fit_raters, eval_raters = rater_halves(judgments.raters, seed)
    fit_target, eval_target = (_mean_of(judgments, names) for names in (fit_raters, eval_raters))
    rated = np.flatnonzero(np.isfinite(fit_target) & np.isfinite(eval_target))
    if len(rated) < 2 * folds:
        raise ValueError(f"{len(rated)} rated pairs are too few for {folds} folds")
    keys = judgments.pairs  # image positions: pairs that share an image share it here
    groups = pair_groups(keys)
    outer = [(rated[train], rated[test]) for train, test in grouped_folds(groups[rated], folds, seed)]
    for spec in specs:  # unknown kinds or layers fail here, before the long work
        spec.build(seed)
        for layer in spec.layers:
            features.get(layer)

    loo, _ = leave_one_out_ceiling(judgments.ratings)
    ceiling = {"ceiling_loo_r": loo, **dict(zip(("ceiling_loo_ci_low", "ceiling_loo_ci_high"),
                                                ceiling_ci(judgments.ratings, min(n_boot, 1000), seed=seed,
                                                           pairs=keys))),
               "ceiling_split_half_r": split_half_ceiling(judgments.ratings)[1]}
    if holdout_raters:
        ceiling["rater_half_r"] = pearson(fit_target[rated], eval_target[rated])

    rows = []
    for layer in features.layers:
        rows.append({"method": "frozen cosine", "readout": "none", "layers": layer,
                     **compare(features.cosine(layer, rated), eval_target[rated], n_boot, n_perm, seed, keys[rated]),
                     "gain_r": np.nan, "gain_ci_low": np.nan, "gain_ci_high": np.nan,
                     "fold_r_mean": np.nan, "fold_r_sd": np.nan, "chosen_reg": ""})
    for number, spec in enumerate(specs, start=1):
        started = time.monotonic()
        predicted = np.full(len(judgments), np.nan)
        fold_r, chosen = [], []
        for fold, (train, test) in enumerate(outer):
            readout = spec.build(seed)
            inner = readout.select(features, train, fit_target[train], groups, inner_folds, seed + fold)
            fitted = readout.similarity(features, train)  # put every fold on one scale, from training data only
            predicted[test] = (readout.similarity(features, test) - fitted.mean()) / max(fitted.std(), 1e-12)
            fold_r.append(pearson(predicted[test], eval_target[test]))
            chosen.append(readout.reg)
            log.info("readout %d/%d %s: fold %d/%d reg %g (inner r %.3f), held-out r %.3f [%.0f s]", number,
                     len(specs), spec.name, fold + 1, len(outer), readout.reg, inner[readout.reg], fold_r[-1],
                     time.monotonic() - started)
        reference = spec.layers[0] if len(spec.layers) == 1 else None
        gain = (bootstrap_gain_ci(predicted[rated], features.cosine(reference, rated), eval_target[rated], n_boot,
                                  seed=seed, pairs=keys[rated]) if reference else (np.nan, np.nan, np.nan))
        rows.append({"method": "readout", "readout": spec.kind, "layers": "+".join(spec.layers),
                     **compare(predicted[rated], eval_target[rated], n_boot, n_perm, seed, keys[rated]),
                     **dict(zip(("gain_r", "gain_ci_low", "gain_ci_high"), gain)),
                     "fold_r_mean": _finite_mean(fold_r), "fold_r_sd": _finite_sd(fold_r),
                     "chosen_reg": " ".join(f"{reg:g}" for reg in chosen)})
    result = ReadoutCVResult(rows, ceiling, folds, holdout_raters, fit_raters, eval_raters)
    if fit_final:
        for spec in specs:
            readout = spec.build(seed)
            readout.select(features, rated, fit_target[rated], groups, inner_folds, seed)
            result.final[spec.name] = readout
            log.info("final %s fitted on all %d rated pairs: reg %g", spec.name, len(rated), readout.reg)
    return result
