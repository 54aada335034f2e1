"""Lightning's rich progress bar with epochs counted from 1: ``Epoch 10/10`` on the last epoch, as the log
(``epoch 10/10``), the checkpoint names (``best-epoch010.ckpt``) and the review say (Lightning's own bar shows
``Epoch 9/9``)."""

from __future__ import annotations

from pytorch_lightning.callbacks import RichProgressBar


class EpochProgressBar(RichProgressBar):
    def _get_train_description(self, current_epoch: int) -> str:
        description = f"Epoch {current_epoch + 1}"
        if self.trainer.max_epochs is not None and self.trainer.max_epochs > 0:
            description += f"/{self.trainer.max_epochs}"
        if len(self.validation_description) > len(description):  # as Lightning: no flicker between the bars
            description = f"{description:{len(self.validation_description)}}"
        return description
