"""One log line per epoch with the key metrics: progress in train.log, nohup output and SLURM logs."""

from __future__ import annotations

import logging
import time

import pytorch_lightning as pl

from siamese.callbacks.metrics_history import CompletedEpochMetrics

log = logging.getLogger(__name__)


class EpochLog(pl.Callback):
    """Logs ``epoch e/E (x s, ETA y s): train/loss 0.1234, val/loss ...`` at INFO after every training epoch.

    The Rich progress bar redraws one terminal line, so a log file or a job's captured output holds only its
    final state; this line is written wherever Python logging goes (Hydra: console and ``<run>/train.log``).
    ``metrics``: the names shown, in order, when logged (others are left out); the ETA is the mean epoch time
    of this process times the epochs left."""

    def __init__(self, metrics=("train/loss", "val/loss", "val/precision_at_1", "val/accuracy")):
        self.metrics = list(metrics)
        self._started: float | None = None
        self._epochs_done = 0
        self.completed_epoch_metrics = CompletedEpochMetrics()

    def on_train_start(self, trainer, pl_module) -> None:
        self._started, self._epochs_done = time.perf_counter(), 0
        self._epoch_start = self._started

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self._epoch_start = time.perf_counter()

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        metrics = self.completed_epoch_metrics(trainer, pl_module)
        if not trainer.is_global_zero:
            return
        now = time.perf_counter()
        self._epochs_done += 1
        epoch, total = trainer.current_epoch + 1, trainer.max_epochs
        left = max((total or epoch) - epoch, 0)
        eta = (now - (self._started or now)) / self._epochs_done * left
        shown = ", ".join(f"{name} {metrics[name]:.4f}" for name in self.metrics
                          if metrics.get(name) is not None)
        synthetic = [k for k in metrics if k.endswith("/SYNTHETIC")]  # human/ais metrics of SYNTHETIC ratings
        if synthetic:
            shown += f" ({', '.join(k.split('/')[0] for k in synthetic)}/*: SYNTHETIC ratings, not from people)"
        log.info("epoch %d/%s (%.1f s, ETA %.0f s): %s", epoch, total if total and total > 0 else "?",
                 now - self._epoch_start, eta, shown or "no metrics yet")
