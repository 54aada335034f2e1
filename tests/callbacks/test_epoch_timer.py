"""EpochTimer separates training time from the validation Lightning runs inside the epoch (metrics, plots)."""

import time

import pytest
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, TensorDataset

from siamese.callbacks import EpochTimer


class TinyRegression(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        self.log("val/loss", torch.nn.functional.mse_loss(self.layer(x), y))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


class SlowValidationCallback(pl.Callback):
    """Stands in for an expensive metric callback: 0.6 s at the end of every validation epoch."""

    def on_validation_epoch_end(self, trainer, pl_module):
        if not trainer.sanity_checking:
            time.sleep(0.6)


def loader(label: str, n: int = 64) -> DataLoader:
    """SYNTHETIC regression data."""
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, 4, generator=generator)
    return DataLoader(TensorDataset(x, x.sum(1, keepdim=True)), batch_size=16)


class CountingTimer(EpochTimer):
    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self._images += len(batch[0])


def test_validation_time_is_logged_apart_and_not_counted_as_training(tmp_path):
    trainer = pl.Trainer(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         callbacks=[CountingTimer(), SlowValidationCallback()], default_root_dir=tmp_path,
                         enable_model_summary=False)
    trainer.fit(TinyRegression(), loader("train"), loader("val"))
    metrics = trainer.callback_metrics
    assert float(metrics["time/validation_s"]) >= 0.6
    assert float(metrics["time/train_epoch_s"]) < 0.5  # 4 batches of a linear layer, the 0.6 s sleep excluded
    epoch_s = float(metrics["time/train_epoch_s"])
    assert float(metrics["time/train_images_per_s"]) == pytest.approx(64 / epoch_s, rel=1e-4)
