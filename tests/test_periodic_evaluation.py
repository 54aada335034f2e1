"""PeriodicEvaluation: the every-n-epochs-or-last rule, in a real Lightning fit."""

import pytest
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, TensorDataset

from siamese.callbacks.periodic import PeriodicEvaluation


class Recorder(PeriodicEvaluation):
    def __init__(self, every_n_epochs):
        super().__init__(every_n_epochs, "recorder")
        self.epochs = []

    def evaluate(self, trainer, pl_module):
        self.epochs.append(trainer.current_epoch + 1)


class Tiny(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)

    def training_step(self, batch, batch_idx):
        return self.layer(batch[0]).pow(2).mean()

    def validation_step(self, batch, batch_idx):
        return self.layer(batch[0]).pow(2).mean()

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


@pytest.mark.parametrize("every, max_epochs, expected", [(5, 12, [5, 10, 12]), (1, 3, [1, 2, 3]), (4, 4, [4]),
                                                         (10, 3, [3])])
def test_runs_every_n_epochs_and_the_last(tmp_path, every, max_epochs, expected):
    loader = DataLoader(TensorDataset(torch.randn(8, 2)), batch_size=4)
    recorder = Recorder(every)
    trainer = pl.Trainer(max_epochs=max_epochs, callbacks=[recorder], logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp_path,
                         num_sanity_val_steps=2)
    trainer.fit(Tiny(), loader, loader)
    assert recorder.epochs == expected  # and never in the sanity check (it would add a 1 at the front)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_bad_every_n_epochs_names_the_key(bad):
    with pytest.raises(ValueError, match=r"callbacks\.recorder\.every_n_epochs"):
        Recorder(bad)
