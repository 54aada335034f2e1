"""The best checkpoint by the metric the run optimizes (``checkpoints/best-epochNNN.ckpt``; tested by train.py).

``NNN`` counts epochs from 1, as the log (``epoch 4/10``), the progress bar, the plots and the review do:
``best-epoch004.ckpt`` holds the weights after the 4th epoch (Lightning's own ``{epoch}`` counts from 0; the
checkpoint's stored ``epoch`` field stays Lightning's)."""

from __future__ import annotations

import logging

import torch
from pytorch_lightning.callbacks import ModelCheckpoint

from siamese.callbacks.logged_metrics import expected_metrics

log = logging.getLogger(__name__)
FALLBACK = "val/loss"


class BestCheckpoint(ModelCheckpoint):
    """``ModelCheckpoint`` whose ``monitor`` defaults to the run's ``optimized_metric`` (conf:
    ``monitor: ${optimized_metric}``) with ``mode="auto"``: ``min`` for a name ending in ``loss`` or ``error``
    (``val/oneshot_error``), else ``max``.

    At setup (before training) the monitor is checked against what the module and the callbacks declare they log
    (``siamese.callbacks.logged_metrics``); one that will not be logged (``~callbacks.retrieval_metrics`` with
    ``val/precision_at_1``) is replaced by ``val/loss`` (min) with a warning, instead of Lightning failing after
    the first epoch."""

    def __init__(self, monitor: str | None = None, mode: str = "auto", **kwargs):
        super().__init__(monitor=monitor, mode=self.auto_mode(monitor) if mode == "auto" else mode, **kwargs)

    def format_checkpoint_name(self, metrics: dict, *args, **kwargs) -> str:
        """Lightning's name with ``{epoch}`` counted from 1 (the number of epochs trained)."""
        if "epoch" in metrics:
            metrics = {**metrics, "epoch": metrics["epoch"] + 1}
        return super().format_checkpoint_name(metrics, *args, **kwargs)

    @staticmethod
    def auto_mode(monitor: str | None) -> str:
        return "min" if monitor and monitor.endswith(("loss", "error")) else "max"

    def setup(self, trainer, pl_module, stage: str) -> None:
        if self.monitor is not None and stage == "fit":
            names = expected_metrics(pl_module, trainer.callbacks)
            if self.monitor not in names and FALLBACK in names:
                log.warning("checkpoint monitor %s will not be logged by this module and these callbacks; the best "
                            "checkpoint is chosen by %s (min) instead", self.monitor, FALLBACK)
                self.monitor, self.mode = FALLBACK, "min"
                self.kth_value = torch.tensor(torch.inf)
        super().setup(trainer, pl_module, stage)
