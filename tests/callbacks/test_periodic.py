"""PeriodicEvaluation: the every-n-epochs-or-last rule, in a real Lightning fit."""

import json

import pytest
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, TensorDataset

from siamese.callbacks import RetrievalMetrics
from siamese.callbacks.metrics_history import MetricsHistory
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
def test_bad_every_n_epochs_names_the_parameter(bad):
    with pytest.raises(ValueError, match=rf"^every_n_epochs={bad!r}: must be an integer >= 1"):
        Recorder(bad)


class LogsEpoch(PeriodicEvaluation):
    """Logs periodic/epoch = epochs completed, every n epochs."""

    def evaluate(self, trainer, pl_module):
        pl_module.log("periodic/epoch", float(trainer.current_epoch + 1))


class TinyLogging(Tiny):
    def validation_step(self, batch, batch_idx):
        loss = super().validation_step(batch, batch_idx)
        self.log("val/epoch", float(self.current_epoch + 1))
        return loss


def test_history_rows_hold_only_the_metrics_logged_in_that_epoch(tmp_path):
    # Lightning keeps epoch 2's periodic/epoch in trainer.callback_metrics through epoch 3; the history must not
    # repeat it there (a flat curve that was never measured)
    loader = DataLoader(TensorDataset(torch.randn(8, 2)), batch_size=4)
    trainer = pl.Trainer(max_epochs=5, callbacks=[LogsEpoch(2), MetricsHistory(str(tmp_path))], logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         default_root_dir=tmp_path)
    trainer.fit(TinyLogging(), loader, loader)
    rows = [json.loads(line) for line in (tmp_path / "metrics_history.jsonl").read_text().splitlines()]
    assert [row["val/epoch"] for row in rows] == [1, 2, 3, 4, 5]
    assert [(row["epoch"], row.get("periodic/epoch")) for row in rows] == [(1, None), (2, 2.0), (3, None),
                                                                         (4, 4.0), (5, 5.0)]


def test_should_run_takes_another_period():
    recorder = Recorder(1)
    trainer = pl.Trainer(max_epochs=7, logger=False)
    done = []
    for epoch in range(7):
        trainer.fit_loop.epoch_progress.current.completed = epoch  # trainer.current_epoch
        done.append(recorder.should_run(trainer, 3))
    assert [e + 1 for e, due in enumerate(done) if due] == [3, 6, 7]


@pytest.mark.parametrize("bad", [0, 2.5, None])
def test_bad_fit_every_n_epochs_names_the_parameter(bad):
    with pytest.raises(ValueError, match=rf"^fit_every_n_epochs={bad!r}: must be an integer >= 1"):
        RetrievalMetrics(fit_every_n_epochs=bad)
