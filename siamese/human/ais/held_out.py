"""Cross-validated pruning by alignment importance: does keeping the high-AIS maps raise held-out alignment?"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from siamese.evaluation.folds import random_image_split
from siamese.human.ais.core import (
    HumanPairs,
    MapTerms,
    alignment,
    alignment_importance,
    prune_by_ais,
)


@dataclass
class CVResult:
    rho_all: np.ndarray          # held-out rho of all maps, per repeat
    rho_selected: np.ndarray     # held-out rho of S* (chosen on the training part), per repeat
    num_selected: np.ndarray     # |S*| per repeat
    selection_counts: np.ndarray  # how often each map was in S*, over repeats
    t_statistic: float
    p_value: float               # paired t-test, S* vs all maps, across repeats

    def summary(self) -> dict[str, float]:
        diff = self.rho_selected - self.rho_all
        half = stats.t.ppf(0.975, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else np.nan
        return {"repeats": len(diff), "heldout_rho_all": float(self.rho_all.mean()),
                "heldout_rho_selected": float(self.rho_selected.mean()), "gain": float(diff.mean()),
                "gain_ci_low": float(diff.mean() - half), "gain_ci_high": float(diff.mean() + half),
                "mean_num_selected": float(self.num_selected.mean()), "t": self.t_statistic, "p": self.p_value}


def cross_validate(features, human: HumanPairs, repeats: int = 8, test_fraction: float = 0.2, seed: int = 0,
                   pooling: str = "flatten") -> CVResult:
    """Repeated (default 8) seeded 80:20 splits of the images (``siamese.evaluation.folds.random_image_split``:
    pairs that share an image stay on one side): AIS and S* from the training pairs only, then rho of
    all maps and of S* on the held-out pairs; paired t-test across repeats."""
    if repeats < 2:
        raise ValueError(f"repeats must be >= 2 for a paired t-test, got {repeats}")
    terms_all = MapTerms.compute(features, human.pairs, pooling)
    rng = np.random.default_rng(seed)
    rho_all, rho_sel, sizes = [], [], []
    counts = np.zeros(terms_all.num_maps, dtype=np.int64)
    for _ in range(repeats):
        train_images, test_images = random_image_split(human.pairs, human.num_images, test_fraction, rng)
        train, test = human.restrict(train_images), human.restrict(test_images)
        if len(test.pairs) < 3 or len(train.pairs) < 3:
            raise ValueError(f"too few pairs to cross-validate: {len(train.pairs)} train, {len(test.pairs)} test")
        train_terms = _subset_terms(terms_all, human, train)
        test_terms = _subset_terms(terms_all, human, test)
        ais, _ = alignment_importance(train_terms, train)
        selected = prune_by_ais(train_terms, train, ais).selected
        rho_all.append(alignment(test_terms, test))
        rho_sel.append(alignment(test_terms, test, selected))
        sizes.append(len(selected))
        counts[selected] += 1
    rho_all, rho_sel = np.array(rho_all), np.array(rho_sel)
    t, p = stats.ttest_rel(rho_sel, rho_all) if not np.allclose(rho_sel, rho_all) else (0.0, 1.0)
    return CVResult(rho_all, rho_sel, np.array(sizes), counts, float(t), float(p))


def _subset_terms(terms: MapTerms, full: HumanPairs, part: HumanPairs) -> MapTerms:
    """The per-pair terms of ``part``'s pairs (a subset of ``full``'s), without recomputing features."""
    index = {tuple(pair): row for row, pair in enumerate(full.pairs.tolist())}
    rows = np.array([index[tuple(pair)] for pair in part.pairs.tolist()], dtype=np.int64)
    return MapTerms(terms.dots[rows], terms.sq_norms, part.pairs)
