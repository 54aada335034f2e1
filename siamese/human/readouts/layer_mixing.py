"""Layer mixing: a non-negative weighted sum of the per-layer cosine similarities, pixels included."""

from __future__ import annotations

import numpy as np
from scipy.optimize import nnls

from siamese.human.readouts.base import Readout
from siamese.human.readouts.features import PairFeatures


class LayerMixing(Readout):
    """``s(a, b) = sum_l w_l cos_l(a, b) + c`` with ``w_l >= 0``, over the layers ``l`` (``pixels`` may be one).

    Fit (non-negative ridge least squares, ``scipy.optimize.nnls`` on the augmented system): with the training
    pairs' cosines ``S`` [n, L] centered and each column divided by its training sd ``d_l``, and the standardized
    target ``y``, minimize ``||y - S u||^2 + reg * n * ||u||^2`` over ``u >= 0``; then ``w_l = u_l / d_l`` and
    ``c`` makes the training mean of ``s`` equal 0. ``reg`` = 0 is plain NNLS; larger shrinks every weight
    toward 0 equally in standardized units. A layer whose cosine does not vary over the training pairs gets
    weight 0."""

    kind = "layer_mixing"
    grid = (0.0, 0.01, 0.1, 1.0, 10.0)

    def _fit(self, features: PairFeatures, rows, target) -> None:
        cosines = self._cosines(features, rows)
        mean, sd = cosines.mean(axis=0), cosines.std(axis=0)
        varying = sd > 1e-12
        standardized = np.where(varying, (cosines - mean) / np.where(varying, sd, 1.0), 0.0)
        n, width = standardized.shape
        system = np.vstack([standardized, np.sqrt(self.reg * n) * np.eye(width)])
        u, _ = nnls(system, np.concatenate([target, np.zeros(width)]))
        self.weights = np.where(varying, u / np.where(varying, sd, 1.0), 0.0)
        self.intercept = float(-(mean * self.weights).sum())

    def _cosines(self, features: PairFeatures, rows=None) -> np.ndarray:
        return np.stack([features.cosine(layer, rows) for layer in self.layers], axis=1)

    def similarity(self, features: PairFeatures, rows=None) -> np.ndarray:
        return self._cosines(features, rows) @ self.weights + self.intercept

    def parameters(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights, "intercept": np.float64(self.intercept)}

    def _set_parameters(self, arrays) -> None:
        self.weights = np.asarray(arrays["weights"], dtype=float)
        self.intercept = float(arrays["intercept"])
        if self.weights.shape != (len(self.layers),):
            raise ValueError(f"layer_mixing readout has {self.weights.shape} weights for layers {self.layers}")

    def describe(self) -> str:
        mix = ", ".join(f"{w:.3g} {layer}" for w, layer in zip(self.weights, self.layers)) if self.fitted else ""
        return f"layer mixing ({mix})"
