"""A linear transform of a layer's features kept near the identity (gLocal, Muttenthaler et al. 2023)."""

from __future__ import annotations

import torch

from siamese.human.readouts.features import PairFeatures
from siamese.human.readouts.gradient import GradientReadout

FULL_RANK_MAX_DIM = 64
LOW_RANK = 8


class LinearTransform(GradientReadout):
    """``s_W(a, b) = cos(W a, W b)`` on the flattened activations of one layer, penalty ``reg * ||W - I||_F^2``.

    Layers of at most 64 values get a full ``W`` (D x D, starting at ``I``). Wider layers use the low-rank
    variant ``W = I + U V^T`` with ``U, V`` D x 8 (``U`` starts at 0, ``V`` small and seeded, so ``W`` starts
    exactly at ``I`` and still has a gradient); its penalty is the same ``reg * ||U V^T||_F^2``, computed as
    ``sum((U^T U) * (V^T V))``. At ``W = I`` the readout is the plain cosine of the layer. (gLocal fits ``W`` on
    triplet odd-one-out choices plus a term keeping local neighbourhoods; here the data are rated pairs, so the
    objective is the readout's Pearson r with the ratings.)"""

    kind = "linear_transform"
    grid = (0.03, 0.1, 0.3, 1.0)
    max_iter = 50

    def __init__(self, layers, reg=None, seed: int = 0):
        super().__init__(layers, reg, seed)
        if len(self.layers) != 1:
            raise ValueError(f"linear_transform reads one layer, got {self.layers}")

    def _inputs(self, features: PairFeatures, rows):
        a, b = features.get(self.layers[0], rows)
        return (torch.as_tensor(a.reshape(len(a), -1), dtype=torch.float64),
                torch.as_tensor(b.reshape(len(b), -1), dtype=torch.float64))

    def _start(self, inputs, generator):
        dim = inputs[0].shape[1]
        if dim <= FULL_RANK_MAX_DIM:
            return {"W": torch.eye(dim, dtype=torch.float64)}
        return {"U": torch.zeros(dim, LOW_RANK, dtype=torch.float64),
                "V": 0.01 * torch.randn(dim, LOW_RANK, generator=generator, dtype=torch.float64)}

    def _transform(self, params, x):
        if "W" in params:
            return x @ params["W"].T
        return x + (x @ params["V"]) @ params["U"].T

    def _score(self, params, inputs):
        a, b = (self._transform(params, x) for x in inputs)
        norms = a.norm(dim=1) * b.norm(dim=1)
        return torch.where(norms > 0, (a * b).sum(dim=1) / norms.clamp_min(1e-300), torch.zeros_like(norms))

    def _penalty(self, params):
        if "W" in params:
            return self.reg * ((params["W"] - torch.eye(len(params["W"]), dtype=torch.float64)) ** 2).sum()
        u, v = params["U"], params["V"]
        return self.reg * ((u.T @ u) * (v.T @ v)).sum()

    def describe(self) -> str:
        full = getattr(self, "params", {}).get("W") is not None
        variant = "full W" if full else f"low-rank I + UV^T (rank {LOW_RANK})"
        return f"linear transform near identity on {self.layers[0]} ({variant})"
