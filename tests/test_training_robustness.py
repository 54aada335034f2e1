"""Robust runs: resume after a kill with ckpt_path=last, NaN loss stops with a clear message, collapse warning."""

from __future__ import annotations

import csv
import json
import logging
import os
import time

import pytest
import torch
from sweep_helpers import TINY, run_train

from siamese.utils.checkpoints import resolve_ckpt_path

RESUMABLE = ["debug=default", "trainer.max_epochs=3", "~callbacks.embedding_plot",
             "~callbacks.progress_bar", "test=false", "optimized_metric=val/loss"]


@pytest.mark.slow  # the same kill-at-epoch-1 scenario as test_training_resume's exact-resume test (default set)
def test_run_killed_mid_epoch_resumes_with_ckpt_path_last_and_ends_at_the_same_epoch(tmp_path):
    task_dir = tmp_path / "outputs" / "train"
    first, second = task_dir / "runs" / "first", task_dir / "runs" / "second"
    killed = run_train([*RESUMABLE, f"paths.task_dir={task_dir}", f"hydra.run.dir={first}",
                        "+callbacks.kill._target_=siamese.callbacks.fault_injection.KillAtBatch",
                        "+callbacks.kill.epoch=1", "+callbacks.kill.batch=1"], check=False)
    assert killed.returncode == -9, f"the run was not killed:\n{killed.stderr[-2000:]}"
    assert not (first / "metrics.json").exists()
    saved = torch.load(first / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert saved["epoch"] == 0  # epoch 0 finished, epoch 1 was interrupted after one batch

    run_train([*RESUMABLE, f"paths.task_dir={task_dir}", f"hydra.run.dir={second}", "ckpt_path=last"])
    log_text = (second / "train.log").read_text()
    assert f"resuming from {first / 'checkpoints' / 'last.ckpt'}" in log_text
    # the resumed run continues in the killed run's directory: one place for checkpoints and logs
    assert f"continuing in the run directory {first}" in log_text
    assert f"resuming from {first / 'checkpoints' / 'last.ckpt'}" in (first / "train.log").read_text()
    assert not (second / "metrics.json").exists()
    metrics = json.loads((first / "metrics.json").read_text())
    assert metrics["epochs"] == 3.0
    with open(first / "csv" / "metrics.csv") as f:
        epochs = {int(float(row["epoch"])) for row in csv.DictReader(f) if row.get("val/loss")}
    assert epochs == {1, 2}, "the resumed run should only train the epochs the first one did not finish"
    with open(first / "csv" / "metrics.attempt1.csv") as f:  # the killed attempt's log is kept
        assert {int(float(row["epoch"])) for row in csv.DictReader(f) if row.get("val/loss")} == {0}
    final = torch.load(first / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert final["epoch"] == 2
    # debug=default: 400 images, 360 after the 10% val split, / batch 64 = 6 batches per epoch, as without the kill
    assert final["global_step"] == 3 * 6


def test_resolve_ckpt_path(tmp_path):
    older, newer = tmp_path / "runs" / "a" / "checkpoints", tmp_path / "multiruns" / "x" / "3" / "checkpoints"
    for folder in (older, newer):
        folder.mkdir(parents=True)
        (folder / "last.ckpt").write_bytes(b"")
    past = time.time() - 100
    os.utime(older / "last.ckpt", (past, past))
    assert resolve_ckpt_path("last", tmp_path) == str(newer / "last.ckpt")
    assert resolve_ckpt_path(str(tmp_path / "runs" / "a"), tmp_path) == str(older / "last.ckpt")
    assert resolve_ckpt_path(str(older / "last.ckpt"), None) == str(older / "last.ckpt")
    assert resolve_ckpt_path(None, tmp_path) is None
    with pytest.raises(FileNotFoundError, match="^task_dir=.*elsewhere: no checkpoints/last.ckpt below it"):
        resolve_ckpt_path("last", tmp_path / "elsewhere")
    with pytest.raises(FileNotFoundError, match="^ckpt_path=.*runs: the directory holds no checkpoints/last.ckpt"):
        resolve_ckpt_path(str(tmp_path / "runs"), tmp_path)
    with pytest.raises(FileNotFoundError, match="^ckpt_path=.*missing.ckpt: no such checkpoint file"):
        resolve_ckpt_path(str(tmp_path / "missing.ckpt"), tmp_path)


def test_nan_loss_stops_the_job_with_a_clear_message_and_the_sweep_table_keeps_it(tmp_path):
    sweep = tmp_path / "sweep"
    result = run_train(["-m", "logger=csv", *TINY, "optimizer=sgd", "optimizer.lr=0.001,1e30",
                        f"hydra.sweep.dir={sweep}"], check=False)
    assert result.returncode != 0
    assert "FloatingPointError: training loss is nan at epoch 0" in result.stderr
    assert "lower optimizer.lr" in result.stderr
    assert "run stopped: training loss is nan" in (sweep / "1" / "train.log").read_text()
    with open(sweep / "summary.csv") as f:
        rows = {row["run"]: row for row in csv.DictReader(f)}
    assert rows["0"]["status"] == "ok" and rows["1"]["status"] == "no metrics"
    assert float(rows["1"]["optimizer.lr"]) == 1e30 and rows["1"]["val/loss"] == ""


def _fit_with_collapse_check(cfg_factory, collapse: bool):
    from siamese.callbacks import EmbeddingCollapse
    from siamese.training import build

    cfg = cfg_factory("debug=default", "logger=none", "callbacks=none", "~callbacks.last_checkpoint",
                      "+trainer.enable_checkpointing=false",
                      "+trainer.enable_progress_bar=false",
                      *(["optimizer.lr=0.0"] if collapse else []))
    datamodule, module, trainer = build(cfg)
    if collapse:  # a net that maps every image to its output bias, and stays so (lr 0)
        torch.nn.init.zeros_(module.net.stages["embedding"].weight)
    check = EmbeddingCollapse()
    trainer.callbacks.append(check)
    trainer.fit(module, datamodule=datamodule)
    return check, float(trainer.callback_metrics["val/embedding_spread"])


def test_embedding_collapse_is_warned_about(cfg_factory, caplog):
    with caplog.at_level(logging.WARNING, logger="siamese.callbacks.embedding_collapse"):
        check, spread = _fit_with_collapse_check(cfg_factory, collapse=True)
    assert check.collapsed_epochs == [0]
    assert spread == 0.0
    assert "embedding collapse at epoch 0" in caplog.text


def test_trained_embeddings_are_not_called_collapsed(cfg_factory, caplog):
    with caplog.at_level(logging.WARNING, logger="siamese.callbacks.embedding_collapse"):
        check, spread = _fit_with_collapse_check(cfg_factory, collapse=False)
    assert check.collapsed_epochs == []
    assert spread > 0.01
    assert "embedding collapse" not in caplog.text
