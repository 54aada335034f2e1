"""The progress bar counts epochs from 1 (Lightning's says ``Epoch 9/9`` on the last of 10)."""

import pytorch_lightning as pl

from siamese.callbacks.epoch_progress_bar import EpochProgressBar


def test_the_last_of_ten_epochs_is_epoch_10_of_10():
    bar = EpochProgressBar()
    trainer = pl.Trainer(max_epochs=10, callbacks=[bar], logger=False, enable_checkpointing=False)
    bar.setup(trainer, None, "fit")  # where Lightning hands the bar its trainer
    assert bar._get_train_description(0).strip() == "Epoch 1/10"
    assert bar._get_train_description(9) == "Epoch 10/10"
