"""Every epoch's logged metrics in the run directory, whatever the logger (read by ``python -m siamese.review``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytorch_lightning as pl


class CompletedEpochMetrics:
    """The scalars logged in the training epoch that just completed, read at a callback's ``on_train_epoch_end``
    (call it once per epoch; None for non-finite values).

    - This epoch's train/* are included: Lightning runs callbacks' ``on_train_epoch_end`` before the module's,
      where the framework's modules log their train/* epoch means, so those are logged first here
      (``log_epoch_means`` logs once per epoch; without this, epoch e showed epoch e-1's train/*).
    - Metrics not logged this epoch are left out. ``trainer.callback_metrics`` keeps every value ever logged in
      the fit, so a callback that runs every n epochs (fit/ metrics, shift clusters, human similarity) would
      otherwise repeat its last values in the epochs between; Lightning makes a new tensor for each logged value
      and keeps the old object, so a value that is the same object as at the previous call is a kept one.
    """

    def __init__(self):
        self._previous: dict = {}

    def __call__(self, trainer, pl_module) -> dict[str, float | None]:
        log_now = getattr(pl_module, "log_epoch_means", None)
        if log_now is not None:
            log_now("train")
        current = dict(trainer.callback_metrics)
        values = {}
        for key, value in current.items():
            if self._previous.get(key) is value:
                continue
            value = float(value)
            values[key] = value if math.isfinite(value) else None
        self._previous = current
        return values


class MetricsHistory(pl.Callback):
    """Appends one JSON line per training epoch to ``<output_dir>/metrics_history.jsonl``: ``{"epoch": e,
    "step": s, <metric>: value, ...}`` with every scalar logged in that epoch (train, val, fit/ and time/ keys;
    ``CompletedEpochMetrics``: a metric computed every n epochs is only in the rows of those epochs; epoch e =
    epochs completed). A resumed run appends; readers keep the last row of an epoch.
    Final test metrics are in ``metrics.json``."""

    def __init__(self, output_dir: str, filename: str = "metrics_history.jsonl"):
        self.path = Path(output_dir) / filename
        self.completed_epoch_metrics = CompletedEpochMetrics()

    def _write(self, trainer, pl_module, row: dict) -> None:
        metrics = self.completed_epoch_metrics(trainer, pl_module)  # on every process: logging may sync
        if not trainer.is_global_zero:
            return
        row.update(metrics)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a") as handle:
            handle.write(json.dumps(row, sort_keys=True) + "\n")

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        row = {"stage": "fit", "epoch": trainer.current_epoch + 1, "step": trainer.global_step}
        self._write(trainer, pl_module, row)
