"""Wall time of each training epoch (data, forward, backward, optimizer; validation excluded)."""

from __future__ import annotations

import time

import pytorch_lightning as pl


class EpochTimer(pl.Callback):
    """Logs ``time/train_epoch_s`` and ``time/train_images_per_s`` once per training epoch."""

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self._start, self._images = time.perf_counter(), 0

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self._images += len(batch["label"])

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        seconds = time.perf_counter() - self._start
        pl_module.log("time/train_epoch_s", seconds)
        pl_module.log("time/train_images_per_s", self._images / max(seconds, 1e-9))
