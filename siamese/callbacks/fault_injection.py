"""Fault injection for testing crash recovery: kill the training process at a chosen batch."""

from __future__ import annotations

import logging
import os
import signal

import pytorch_lightning as pl

log = logging.getLogger(__name__)


class KillAtBatch(pl.Callback):
    """Sends SIGKILL to the own process before training batch ``batch`` of epoch ``epoch`` (0-based), as a
    crash, an OOM kill or a pre-empted cluster job would: no clean-up, no checkpoint of the partial epoch.
    Add it to a run with ``+callbacks.kill._target_=siamese.callbacks.fault_injection.KillAtBatch``
    ``+callbacks.kill.epoch=1``;
    a restart with ``ckpt_path=last`` (without the callback) then resumes from the last finished epoch."""

    def __init__(self, epoch: int = 1, batch: int = 1):
        self.epoch, self.batch = epoch, batch

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx: int) -> None:
        if trainer.current_epoch == self.epoch and batch_idx == self.batch:
            log.warning("KillAtBatch: killing process %d at epoch %d, batch %d", os.getpid(), self.epoch, batch_idx)
            for handler in logging.getLogger().handlers:
                handler.flush()
            os.kill(os.getpid(), signal.SIGKILL)
