"""One embedding per split and step: the validation/test loops' embeddings reused by the callbacks, val precision@1
against a seeded train subsample with its standard error, subsampled embedding snapshots."""

import numpy as np
import pytest
import pytorch_lightning as pl
import torch

from siamese.callbacks import EmbeddingPlot, RetrievalMetrics
from siamese.callbacks.split_embeddings import split_embeddings
from siamese.data import MNISTDataModule
from siamese.evaluation.embeddings import embed_loader, subsample_positions, take
from siamese.evaluation.retrieval import evaluate_split, precision_standard_error
from siamese.losses import ContrastiveLoss
from siamese.miners import RandomMiner
from siamese.models import EmbeddingNet
from siamese.modules import MetricLearningModule


def test_precision_standard_error_by_hand():
    assert precision_standard_error(0.9, 1000) == pytest.approx(0.0094868, abs=1e-6)
    assert precision_standard_error(1.0, 50) == 0.0
    assert np.isnan(precision_standard_error(0.5, 0))


class _Check(pl.Callback):
    """At the end of the validation / test epoch: what split_embeddings returns next to a fresh embedding."""

    def __init__(self):
        self.seen = {}

    def _compare(self, trainer, module, split):
        cached = split_embeddings(trainer, module, split)
        fresh = embed_loader(module.net, trainer.datamodule.eval_dataloader(split), module.device)
        self.seen[split] = (cached, fresh, module.loop_embeddings.result(split))

    def on_validation_epoch_end(self, trainer, module):
        self._compare(trainer, module, "val")

    def on_test_epoch_end(self, trainer, module):
        self._compare(trainer, module, "test")


def _fit(tmp_path, callbacks, epochs=1, **trainer_kw):
    torch.manual_seed(0)
    dm = MNISTDataModule(max_train_samples=400, max_test_samples=120, batch_size=32, eval_batch_size=64)
    module = MetricLearningModule(EmbeddingNet(embedding_dim=2), ContrastiveLoss(margin=1.0), RandomMiner(),
                                  optimizer=lambda params: torch.optim.Adam(params, lr=1e-3))
    trainer = pl.Trainer(max_epochs=epochs, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, num_sanity_val_steps=0, accelerator="cpu",
                         default_root_dir=tmp_path, callbacks=callbacks, **trainer_kw)
    trainer.fit(module, datamodule=dm)
    return trainer, module, dm


def test_val_and_test_embeddings_come_from_their_loops_and_equal_a_fresh_embedding(tmp_path):
    check = _Check()
    trainer, module, dm = _fit(tmp_path, [check], limit_train_batches=3)
    trainer.test(module, datamodule=dm, verbose=False)
    for split in ("val", "test"):
        cached, fresh, loop = check.seen[split]
        assert loop is not None and cached["embedding"] is loop["embedding"]  # the loop's arrays, not re-embedded
        for key in ("label", "shift", "index"):
            assert np.array_equal(cached[key], fresh[key])
        np.testing.assert_allclose(cached["embedding"], fresh["embedding"], atol=1e-5)


def test_a_partial_validation_loop_is_not_used(tmp_path):
    check = _Check()
    _fit(tmp_path, [check], limit_train_batches=2, limit_val_batches=1)  # 1 of 2 val batches: not the whole split
    cached, fresh, loop = check.seen["val"]
    assert len(loop["index"]) < len(fresh["index"]) == len(cached["index"])
    np.testing.assert_allclose(cached["embedding"], fresh["embedding"], atol=1e-6)


class _Logged(pl.Callback):
    def on_validation_epoch_end(self, trainer, module):
        self.val = split_embeddings(trainer, module, "val")
        self.reference = take(split_embeddings(trainer, module, "train"),
                              subsample_positions(len(trainer.datamodule.datasets["train"]), 50, 1))


def test_val_precision_is_against_the_seeded_train_subsample_with_its_standard_error(tmp_path):
    logged = _Logged()
    metrics = RetrievalMetrics(fit_splits=(), val_max_references=50, seed=0)
    trainer, _, _ = _fit(tmp_path, [logged, metrics], limit_train_batches=3)
    expected = evaluate_split(logged.val, logged.reference, ("precision_at_1",))["precision_at_1"]
    p = float(trainer.callback_metrics["val/precision_at_1"])
    assert p == pytest.approx(expected)
    assert float(trainer.callback_metrics["val/precision_at_1_se"]) == pytest.approx(
        np.sqrt(p * (1 - p) / len(logged.val["label"])), rel=1e-5)


def test_snapshots_hold_the_same_seeded_subsample_at_every_epoch(tmp_path):
    plot = EmbeddingPlot(str(tmp_path), every_n_epochs=1, max_items=100, save_initial=True)
    _, _, dm = _fit(tmp_path, [plot], epochs=2, limit_train_batches=2)
    saved = [np.load(tmp_path / "embeddings" / f"epoch_{e:03d}.npz") for e in (0, 1, 2)]
    for split in ("train", "test", "test_shifted"):
        n = len(dm.datasets["train_eval" if split == "train" else split])
        expected = dm.datasets["train_eval" if split == "train" else split].indices[subsample_positions(n, 100)]
        for npz in saved:
            assert np.array_equal(npz[f"{split}/index"], expected.numpy())
