"""Feature reweighting: one non-negative weight per channel of a layer, pulled toward uniform (continuous AIS)."""

from __future__ import annotations

import torch

from siamese.human.readouts.features import PairFeatures
from siamese.human.readouts.gradient import GradientReadout


class FeatureReweighting(GradientReadout):
    """Weighted cosine over the channels ``c`` of one layer (feature maps of a conv layer, units of an fc layer):

        s_w(a, b) = sum_c w_c <a_c, b_c> / sqrt(sum_c w_c |a_c|^2 * sum_c w_c |b_c|^2),   w_c >= 0,

    with ``a_c`` the channel's values over its spatial positions. ``w = 1`` is the plain cosine of the layer;
    AIS pruning is the special case ``w_c`` in {0, 1}. Penalty: ``reg * mean_c (w_c - 1)^2`` (an L2 prior toward
    uniform weights, averaged over channels so that ``reg`` means the same for narrow and wide layers). Starts
    at ``w = 1``; L-BFGS-B keeps ``w >= 0`` (bound constraints)."""

    kind = "feature_reweighting"
    grid = (0.01, 0.1, 1.0, 10.0)

    def __init__(self, layers, reg=None, seed: int = 0):
        super().__init__(layers, reg, seed)
        if len(self.layers) != 1:
            raise ValueError(f"feature_reweighting reads one layer, got {self.layers}")

    def _inputs(self, features: PairFeatures, rows):
        a, b = (torch.as_tensor(x, dtype=torch.float64) for x in features.get(self.layers[0], rows))
        return (a * b).sum(dim=2), (a * a).sum(dim=2), (b * b).sum(dim=2)

    def _start(self, inputs, generator):
        return {"weights": torch.ones(inputs[0].shape[1], dtype=torch.float64)}

    def _score(self, params, inputs):
        dots, norms_a, norms_b = inputs
        w = params["weights"]
        denominator = torch.sqrt((norms_a @ w) * (norms_b @ w))
        return torch.where(denominator > 0, (dots @ w) / denominator.clamp_min(1e-300), torch.zeros_like(denominator))

    def _penalty(self, params):
        return self.reg * ((params["weights"] - 1) ** 2).mean()

    def _lower_bound(self, name):
        return 0.0
