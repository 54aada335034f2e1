"""Readouts fitted by gradient descent on ``-r + penalty``: the shared optimization loop."""

from __future__ import annotations

from abc import abstractmethod
from contextlib import contextmanager

import numpy as np
import torch

from siamese.human.readouts.base import Readout
from siamese.human.readouts.features import PairFeatures

SMALL_FIT_PAIRS = 30_000  # below this many pairs a fit runs on one thread


@contextmanager
def few_threads(pairs: int):
    """One torch thread and one BLAS thread (``threadpoolctl``, for L-BFGS-B) while fitting fewer than
    ``SMALL_FIT_PAIRS`` pairs: on such small tensors thread hand-offs cost more than they save (a fit on 2 busy
    cores ran 10x faster on one thread)."""
    from threadpoolctl import threadpool_limits

    if pairs >= SMALL_FIT_PAIRS:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            yield
    finally:
        torch.set_num_threads(threads)


def pearson_torch(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    dx, dy = x - x.mean(), y - y.mean()
    return (dx * dy).sum() / torch.sqrt((dx * dx).sum() * (dy * dy).sum()).clamp_min(1e-12)


def minimize_params(loss, start: dict[str, torch.Tensor], lower: dict[str, float | None], max_iter: int,
                    size: int):
    """``(params, scipy result)``: L-BFGS-B (``scipy.optimize.minimize``) of ``loss(params)`` over the named
    float64 tensors ``start``, flattened into one vector; gradients by torch autograd; every entry of parameter
    ``name`` bounded below by ``lower.get(name)`` (None: unbounded); ``size`` (pairs or answers) sets the threads."""
    from scipy.optimize import minimize

    names, shapes = list(start), [value.shape for value in start.values()]
    sizes = [value.numel() for value in start.values()]

    def unpack(vector: torch.Tensor) -> dict[str, torch.Tensor]:
        return {name: part.reshape(shape) for name, part, shape in zip(names, vector.split(sizes), shapes)}

    def loss_and_grad(flat: np.ndarray):
        vector = torch.as_tensor(flat, dtype=torch.float64).requires_grad_(True)
        value = loss(unpack(vector))
        value.backward()
        return value.item(), vector.grad.detach().numpy().copy()

    bounds = [(lower.get(name), None) for name, count in zip(names, sizes) for _ in range(count)]
    x0 = torch.cat([value.reshape(-1) for value in start.values()]).numpy()
    with few_threads(size):
        solution = minimize(loss_and_grad, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                            options={"maxiter": max_iter})
    return unpack(torch.as_tensor(solution.x, dtype=torch.float64)), solution


class GradientReadout(Readout):
    """Fit: minimize ``-r(s_theta(train pairs), y) + penalty(theta)`` (``r`` Pearson, ``y`` the standardized
    target) with L-BFGS-B (``scipy.optimize.minimize``, at most ``max_iter`` iterations, gradients by torch
    autograd in float64), with the bounds of ``_bounds`` (e.g. weights >= 0: projected, exactly). The start
    ``theta_0`` is the frozen network (its plain cosine), so with a strong ``reg`` the readout stays the frozen
    net; the fit is deterministic."""

    max_iter: int = 100

    @abstractmethod
    def _inputs(self, features: PairFeatures, rows) -> tuple[torch.Tensor, ...]:
        """Tensors the score needs for ``rows`` (float64)."""

    @abstractmethod
    def _start(self, inputs, generator: torch.Generator) -> dict[str, torch.Tensor]:
        """The initial parameters (the frozen net's similarity)."""

    @abstractmethod
    def _score(self, params: dict[str, torch.Tensor], inputs) -> torch.Tensor:
        """Similarity per pair."""

    @abstractmethod
    def _penalty(self, params: dict[str, torch.Tensor]) -> torch.Tensor:
        """The regularization term, including ``self.reg``."""

    def _lower_bound(self, name: str) -> float | None:
        """Lower bound of every entry of parameter ``name`` (default: none)."""
        return None

    def _fit(self, features: PairFeatures, rows, target) -> None:
        inputs = self._inputs(features, rows)
        start = self._start(inputs, torch.Generator().manual_seed(self.seed))
        y = torch.as_tensor(target, dtype=torch.float64)
        self.params, solution = minimize_params(
            lambda params: -pearson_torch(self._score(params, inputs), y) + self._penalty(params), start,
            {name: self._lower_bound(name) for name in start}, self.max_iter, len(y))
        self.meta["optimizer"] = {"iterations": int(solution.nit), "loss": float(solution.fun)}

    @torch.no_grad()
    def similarity(self, features: PairFeatures, rows=None) -> np.ndarray:
        return self._score(self.params, self._inputs(features, rows)).numpy()

    def parameters(self) -> dict[str, np.ndarray]:
        return {name: value.numpy() for name, value in self.params.items()}

    def _set_parameters(self, arrays) -> None:
        self.params = {name: torch.as_tensor(np.asarray(value, dtype=np.float64)) for name, value in arrays.items()}
