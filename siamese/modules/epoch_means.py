"""Per-epoch means of per-step scalars, logged once per epoch instead of through ``self.log`` at every step."""

from __future__ import annotations

from collections import defaultdict

import pytorch_lightning as pl
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


class EpochMeanLogging(pl.LightningModule):
    """Mixin for the framework's Lightning modules: ``self.add_step_values(stage, values, batch_size)`` in a
    step; ``<stage>/<name>`` is logged as the epoch mean at the end of each train/validation/test epoch.

    Why not ``self.log(..., on_epoch=True)`` at every step: its bookkeeping (result collection, device moves,
    hook-signature checks) cost ~2.5 ms per call-set per step, ~8% of a 30 ms CPU step of the default net
    (profile in benchmarks/README.md). The logged values are the same."""

    def add_step_values(self, stage: str, values: dict[str, torch.Tensor | float], batch_size: int) -> None:
        self.__dict__.setdefault("_epoch_means", defaultdict(EpochMeans))[stage].add(values, batch_size)

    def log_epoch_means(self, stage: str) -> None:
        """Log the means of ``stage`` now. Once per epoch: a second call finds nothing left, so a callback may
        call it before the module's own epoch-end hook (``MetricsHistory`` does, to see this epoch's train/*)."""
        means = self.__dict__.get("_epoch_means", {}).get(stage)
        for name, value in (means.pop() if means else {}).items():
            self.log(f"{stage}/{name}", value, prog_bar=name in ("loss", "accuracy"))

    def on_train_epoch_end(self) -> None:
        self.log_epoch_means("train")

    def on_validation_epoch_end(self) -> None:
        self.log_epoch_means("val")

    def on_test_epoch_end(self) -> None:
        self.log_epoch_means("test")
