"""Per-epoch means of per-step scalars, logged once per epoch instead of through ``self.log`` at every step
(``siamese.modules.base.BaseModule.add_step_values``)."""

from __future__ import annotations

from collections import defaultdict

import torch


class EpochMeans:
    """Running, batch-size-weighted means: after ``add({"loss": l_b}, n_b)`` for the batches b of an epoch,
    ``pop()["loss"]`` = sum_b n_b * l_b / sum_b n_b (the mean over images, as Lightning's ``on_epoch`` logging).
    Sums stay tensors on the step's device (no host sync, no per-step logging machinery); a name missing from
    some steps is averaged over the steps that had it."""

    def __init__(self):
        self.sums: dict[str, torch.Tensor] = {}
        self.weights: dict[str, float] = defaultdict(float)

    def add(self, values: dict[str, torch.Tensor | float], weight: int) -> None:
        for name, value in values.items():
            value = value.detach() if isinstance(value, torch.Tensor) else torch.tensor(float(value))
            self.sums[name] = self.sums[name] + value * weight if name in self.sums else value * weight
            self.weights[name] += weight

    def pop(self) -> dict[str, torch.Tensor]:
        means = {name: total / self.weights[name] for name, total in self.sums.items()}
        self.sums, self.weights = {}, defaultdict(float)
        return means
