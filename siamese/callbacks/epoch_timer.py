"""Wall time of each training epoch, split into training (data, forward, backward, optimizer) and validation."""

from __future__ import annotations

import time

import pytorch_lightning as pl


class EpochTimer(pl.Callback):
    """Once per training epoch logs

    - ``time/train_epoch_s``: training batches only (data, forward, backward, optimizer step); validation that
      Lightning runs inside the epoch is subtracted;
    - ``time/train_images_per_s``: training images / ``time/train_epoch_s``;
    - ``time/validation_s``: the validation loop of that epoch with its callbacks (metrics, plots).
    """

    def logged_metrics(self, pl_module) -> set[str]:
        return {"time/train_epoch_s", "time/train_images_per_s", "time/validation_s"}

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self._start, self._images, self._validation = time.perf_counter(), 0, 0.0

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self._images += len(batch["label"])

    def on_validation_start(self, trainer, pl_module) -> None:
        self._validation_start = time.perf_counter()

    def on_validation_end(self, trainer, pl_module) -> None:
        if not trainer.sanity_checking and hasattr(self, "_start"):
            self._validation += time.perf_counter() - self._validation_start

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        seconds = time.perf_counter() - self._start - self._validation
        pl_module.log("time/train_epoch_s", seconds)
        pl_module.log("time/train_images_per_s", self._images / max(seconds, 1e-9))
        pl_module.log("time/validation_s", self._validation)
