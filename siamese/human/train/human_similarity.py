"""Correlation of the net's layer-wise pair similarity with human ratings, logged on the periodic schedule."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from siamese.callbacks.periodic import PeriodicEvaluation
from siamese.human.compare.similarity import layer_similarity
from siamese.human.compare.stats import pearson, spearman
from siamese.human.io.read import read_pairs
from siamese.models.loading import LoadedNet

log = logging.getLogger(__name__)


class HumanSimilarity(PeriodicEvaluation):
    """Logs ``human/<layer>/r`` (Pearson) and ``human/<layer>/rho`` (Spearman) of the cosine similarity of each
    pair's activations at ``layers`` (default: all layers of the net) against the mean human rating per pair,
    every ``every_n_epochs`` validation epochs and the last, so a sweep can use e.g. ``optimized_metric=human/fc/r``.

    ``pairs_dir`` is a pair set directory and ``ratings`` a ratings CSV (docs/human_similarity.md); images are
    normalized with the data module's training mean/std, as the net sees them in training. When the ratings or
    pairs are marked SYNTHETIC in their files, ``human/SYNTHETIC`` = 1 is logged beside the values and each
    evaluation logs a warning line saying so."""

    def __init__(self, pairs_dir: str, ratings: str, layers: Sequence[str] | None = None,
                 scale: Sequence[float] = (1, 10), every_n_epochs: int = 1):
        super().__init__(every_n_epochs, name="human_similarity")
        self.judgments = read_pairs(pairs_dir, ratings, tuple(scale))
        self.synthetic = self.judgments.synthetic
        self.human = self.judgments.mean()
        if np.isfinite(self.human).sum() < 3:
            raise ValueError(f"{ratings}: fewer than 3 rated pairs; correlations need at least 3")
        self.layers = list(layers) if layers else None

    def logged_metrics(self, pl_module) -> set[str]:
        layers = self.layers or list(pl_module.net.layer_names)
        names = {f"human/{layer}/{name}" for layer in layers for name in ("r", "rho")}
        return names | ({"human/SYNTHETIC"} if self.synthetic else set())

    def scores(self, trainer, pl_module) -> dict[str, dict[str, float]]:
        datamodule = trainer.datamodule
        model = LoadedNet(pl_module.net, datamodule.mean, datamodule.std)
        similarity = layer_similarity(model, self.judgments.images_a, self.judgments.images_b, self.layers)
        keep = np.isfinite(self.human)
        return {layer: {"r": pearson(values[keep], self.human[keep]), "rho": spearman(values[keep], self.human[keep])}
                for layer, values in similarity.items()}

    def evaluate(self, trainer, pl_module) -> None:
        if self.synthetic:
            log.warning("human/*: SYNTHETIC ratings (generated, not given by people)")
            pl_module.log("human/SYNTHETIC", 1.0)
        for layer, values in self.scores(trainer, pl_module).items():
            for name, value in values.items():
                pl_module.log(f"human/{layer}/{name}", float(np.nan_to_num(value)))
