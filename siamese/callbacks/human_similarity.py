"""Correlation of the net's layer-wise pair similarity with human ratings, logged every validation epoch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytorch_lightning as pl


class HumanSimilarity(pl.Callback):
    """Logs ``human/<layer>/r`` (Pearson) and ``human/<layer>/rho`` (Spearman) of the cosine similarity of each
    pair's activations at ``layers`` (default: all layers of the net) against the mean human rating per pair,
    every ``every_n_epochs`` validation epochs, so a sweep can use e.g. ``optimized_metric=human/fc/r``.

    ``pairs_dir`` is a pair set directory and ``ratings`` a ratings CSV (docs/human_similarity.md); images are
    normalized with the data module's training mean/std, as the net sees them in training."""

    def __init__(self, pairs_dir: str, ratings: str, layers: Sequence[str] | None = None,
                 scale: Sequence[float] = (1, 10), every_n_epochs: int = 1):
        from siamese.human.formats import load_pair_set, load_ratings

        self.pairs = load_pair_set(pairs_dir)
        self.ratings = load_ratings(ratings, self.pairs.pair_id, tuple(scale))
        self.human = self.ratings.mean()
        if np.isfinite(self.human).sum() < 3:
            raise ValueError(f"{ratings}: fewer than 3 rated pairs; correlations need at least 3")
        self.layers = list(layers) if layers else None
        self.every_n_epochs = every_n_epochs

    def scores(self, trainer, pl_module) -> dict[str, dict[str, float]]:
        from siamese.human.similarity import LoadedNet, layer_similarity
        from siamese.human.stats import pearson, spearman

        datamodule = trainer.datamodule
        model = LoadedNet(pl_module.net, datamodule.mean, datamodule.std)
        similarity = layer_similarity(model, self.pairs.images_a, self.pairs.images_b, self.layers)
        keep = np.isfinite(self.human)
        return {layer: {"r": pearson(values[keep], self.human[keep]), "rho": spearman(values[keep], self.human[keep])}
                for layer, values in similarity.items()}

    def on_validation_epoch_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking:
            return
        last = trainer.current_epoch + 1 >= (trainer.max_epochs or 0)
        if (trainer.current_epoch + 1) % self.every_n_epochs and not last:
            return
        for layer, values in self.scores(trainer, pl_module).items():
            for name, value in values.items():
                pl_module.log(f"human/{layer}/{name}", float(np.nan_to_num(value)))
