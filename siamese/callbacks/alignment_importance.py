"""Alignment importance tracked during training (see siamese/human/ais.py for the method)."""

from __future__ import annotations

import numpy as np
import pytorch_lightning as pl
import torch

from siamese.models.layer_reader import read_layer


class AlignmentImportance(pl.Callback):
    """Every ``every_n_epochs`` validation epochs, on a rated pair set: logs ``ais/<layer>/rho_all`` (all maps),
    ``ais/<layer>/rho_selected`` and ``ais/<layer>/num_selected`` (S*, in-sample), ``ais/<layer>/top_map``, and,
    with ``cv_repeats`` > 1, the cross-validated ``ais/<layer>/heldout_gain`` of S* over all maps."""

    def __init__(self, pairs_dir: str, ratings: str, layer: str = "conv2", scale=(1, 10), every_n_epochs: int = 1,
                 cv_repeats: int = 0, pooling: str = "flatten"):
        from siamese.human.ais_report import from_pair_set
        from siamese.human.formats import load_pair_set, load_ratings

        pairs = load_pair_set(pairs_dir)
        self.data = from_pair_set(pairs, load_ratings(ratings, pairs.pair_id, tuple(scale)))
        self.layer, self.every_n_epochs, self.cv_repeats, self.pooling = layer, every_n_epochs, cv_repeats, pooling

    def on_validation_epoch_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking:
            return
        last = trainer.current_epoch + 1 >= (trainer.max_epochs or 0)
        if (trainer.current_epoch + 1) % self.every_n_epochs and not last:
            return
        from siamese.human.ais_cv import cross_validate
        from siamese.human.ais_report import summarize

        dm = trainer.datamodule
        images = dm.normalize(torch.as_tensor(self.data.images)).to(pl_module.device)
        features = read_layer(pl_module.net, self.layer, images)
        result = summarize(features, self.data.human, self.pooling)
        prefix = f"ais/{self.layer}"
        pl_module.log(f"{prefix}/rho_all", float(np.nan_to_num(result["rho_all"])))
        pl_module.log(f"{prefix}/rho_selected", float(np.nan_to_num(result["pruned"].rho_selected)))
        pl_module.log(f"{prefix}/num_selected", float(len(result["pruned"].selected)))
        pl_module.log(f"{prefix}/top_map", float(result["pruned"].order[0]))
        if self.cv_repeats > 1:
            gain = cross_validate(features, self.data.human, self.cv_repeats, pooling=self.pooling).summary()["gain"]
            pl_module.log(f"{prefix}/heldout_gain", float(np.nan_to_num(gain)))
