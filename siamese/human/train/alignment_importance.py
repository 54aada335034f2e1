"""Alignment importance tracked during training (the method: siamese/human/ais/core.py)."""

from __future__ import annotations

import logging

import numpy as np
import torch

from siamese.callbacks.periodic import PeriodicEvaluation
from siamese.human.ais.core import summarize
from siamese.human.ais.data import human_pairs
from siamese.human.ais.held_out import cross_validate
from siamese.human.io.read import read_pairs
from siamese.models.layer_reader import read_layer

log = logging.getLogger(__name__)


class AlignmentImportance(PeriodicEvaluation):
    """Every ``every_n_epochs`` validation epochs (and the last), on a rated pair set: logs ``ais/<layer>/rho_all``
    (all maps), ``ais/<layer>/rho_selected`` and ``ais/<layer>/num_selected`` (S*, in-sample),
    ``ais/<layer>/top_map``, and, with ``cv_repeats`` > 1, the cross-validated ``ais/<layer>/heldout_gain`` of S*
    over all maps. SYNTHETIC ratings or pairs (marked in their files) add ``ais/SYNTHETIC`` = 1 and a warning."""

    def __init__(self, pairs_dir: str, ratings: str, layer: str = "conv2", scale=(1, 10), every_n_epochs: int = 1,
                 cv_repeats: int = 0, pooling: str = "flatten"):
        super().__init__(every_n_epochs, name="alignment_importance")
        self.judgments = read_pairs(pairs_dir, ratings, tuple(scale))
        self.human = human_pairs(self.judgments)
        self.layer, self.cv_repeats, self.pooling = layer, cv_repeats, pooling

    def logged_metrics(self, pl_module) -> set[str]:
        names = {f"ais/{self.layer}/{name}" for name in ("rho_all", "rho_selected", "num_selected", "top_map")}
        names |= {f"ais/{self.layer}/heldout_gain"} if self.cv_repeats > 1 else set()
        return names | ({"ais/SYNTHETIC"} if self.judgments.synthetic else set())

    def evaluate(self, trainer, pl_module) -> None:
        dm = trainer.datamodule
        images = dm.normalize(torch.as_tensor(self.judgments.images)).to(pl_module.device)
        features = read_layer(pl_module.net, self.layer, images)
        result = summarize(features, self.human, self.pooling)
        prefix = f"ais/{self.layer}"
        if self.judgments.synthetic:
            log.warning("%s: SYNTHETIC ratings (generated, not given by people)", prefix)
            pl_module.log("ais/SYNTHETIC", 1.0)
        pl_module.log(f"{prefix}/rho_all", float(np.nan_to_num(result["rho_all"])))
        pl_module.log(f"{prefix}/rho_selected", float(np.nan_to_num(result["pruned"].rho_selected)))
        pl_module.log(f"{prefix}/num_selected", float(len(result["pruned"].selected)))
        pl_module.log(f"{prefix}/top_map", float(result["pruned"].order[0]))
        if self.cv_repeats > 1:
            gain = cross_validate(features, self.human, self.cv_repeats, pooling=self.pooling).summary()["gain"]
            pl_module.log(f"{prefix}/heldout_gain", float(np.nan_to_num(gain)))
