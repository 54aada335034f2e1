"""Checkpoints are written atomically in their own directory, resume is exact and refuses another config,
ckpt_path=last picks the same config's newest run, the optimized metric never fails a finished run, metrics say
their checkpoint, and metrics_history.jsonl aligns train metrics with their epoch."""

from __future__ import annotations

import csv
import json
import logging
import os
import time
from pathlib import Path

import pytest
import torch
from sweep_helpers import run_train

from siamese.training import train
from siamese.utils.checkpoints import CheckpointError, load_checkpoint, resolve_ckpt_path
from siamese.utils.config_checks import ConfigError

QUICK = ["logger=csv", "data.max_train_samples=300", "data.max_test_samples=200", "~callbacks.embedding_plot",
         "~callbacks.progress_bar", "~callbacks.wandb_embedding_table", "~callbacks.retrieval_metrics"]


@pytest.fixture(scope="module")
def one_epoch_run(tmp_path_factory):
    """A finished one-epoch run directory (checkpoints, metrics.json), made once for the tests below."""
    from siamese.config import compose_config

    run = tmp_path_factory.mktemp("one_epoch") / "run"
    metrics = train(compose_config([*QUICK, "trainer.max_epochs=1", "optimized_metric=val/loss"], output_dir=run))
    return run, metrics


def test_checkpoints_are_written_in_their_own_directory_and_leave_no_temp_files(one_epoch_run, monkeypatch):
    run, _ = one_epoch_run
    names = sorted(p.name for p in (run / "checkpoints").iterdir())
    assert names == ["best-epoch001.ckpt", "last.ckpt"], names  # no .tmp left behind
    assert load_checkpoint(run / "checkpoints" / "last.ckpt")["epoch"] == 0
    # the writer's temp file lives beside the target (same filesystem: the rename is atomic), and a failed
    # write leaves the old file and no temp file
    import tempfile

    from siamese.utils.checkpoints import atomic_torch_save

    seen = []
    real_mkstemp = tempfile.mkstemp

    def spy(*args, **kwargs):
        seen.append(Path(kwargs["dir"]))
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    target = run / "checkpoints" / "copy.ckpt"
    atomic_torch_save({"a": 1}, target)
    assert seen == [target.parent] and torch.load(target, weights_only=True) == {"a": 1}

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        atomic_torch_save({"a": Unpicklable()}, target)
    assert torch.load(target, weights_only=True) == {"a": 1}
    assert sorted(p.name for p in target.parent.iterdir()) == ["best-epoch001.ckpt", "copy.ckpt", "last.ckpt"]
    target.unlink()


def test_a_truncated_or_foreign_ckpt_path_fails_naming_the_path_and_what_to_use_instead(one_epoch_run, cfg_factory,
                                                                                        tmp_path):
    run, _ = one_epoch_run
    broken_run = tmp_path / "broken"
    (broken_run / "checkpoints").mkdir(parents=True)
    data = (run / "checkpoints" / "last.ckpt").read_bytes()
    (broken_run / "checkpoints" / "last.ckpt").write_bytes(data[: len(data) // 2])  # a kill during a copy
    (broken_run / "checkpoints" / "best-epoch001.ckpt").write_bytes(data)
    with pytest.raises(CheckpointError) as info:
        train(cfg_factory(*QUICK, "trainer.max_epochs=2", f"ckpt_path={broken_run}"))
    message = str(info.value)
    assert f"{broken_run / 'checkpoints' / 'last.ckpt'}: truncated or not a checkpoint of this project" in message
    assert f"ckpt_path={broken_run / 'checkpoints' / 'best-epoch001.ckpt'} instead" in message
    foreign = tmp_path / "foreign.ckpt"
    torch.save({"weights": torch.zeros(3)}, foreign)
    with pytest.raises(CheckpointError, match=f"ckpt_path={foreign}: not a checkpoint of this project"):
        train(cfg_factory(*QUICK, f"ckpt_path={foreign}"))


# ------------------------------------------------------------------------------------------- 8: optimized_metric
def test_callbacks_none_keeps_last_ckpt_and_a_missing_optimized_metric_returns_none(tmp_path, caplog):
    run = tmp_path / "run"
    result = run_train(["logger=none", "callbacks=none", "data.max_train_samples=300", "data.max_test_samples=200",
                        "trainer.max_epochs=1", "optimized_metric=val/precision_at_1", f"hydra.run.dir={run}"])
    assert result.returncode == 0
    assert (run / "checkpoints" / "last.ckpt").is_file()
    log_text = (run / "train.log").read_text()
    assert log_text.index("optimized_metric=val/precision_at_1 will not be logged") < log_text.index("metrics:")
    assert "returning None" in log_text


def test_metric_value_never_raises_after_the_work(caplog):
    from siamese.training import metric_value

    with caplog.at_level(logging.WARNING, logger="siamese.training"):
        assert metric_value({"val/loss": 0.5}, "val/precision_at_1") is None
    assert "optimized_metric=val/precision_at_1 was not logged; returning None" in caplog.text
    assert metric_value({"val/loss": 0.5}, "val/loss") == 0.5


def test_resuming_a_finished_run_says_so_and_returns_its_metrics(one_epoch_run, tmp_path, caplog):
    from siamese.training import metric_value

    run, metrics = one_epoch_run
    before = (run / "checkpoints" / "last.ckpt").stat().st_mtime_ns
    with caplog.at_level(logging.INFO, logger="siamese.training"):
        again = train(_compose([*QUICK, "trainer.max_epochs=1", "optimized_metric=val/loss", f"ckpt_path={run}"],
                               tmp_path / "again"))
    assert "already finished its 1 epochs" in caplog.text
    assert again == metrics and metric_value(again, "val/loss") == metrics["val/loss"]  # train.py exits 0
    assert (run / "checkpoints" / "last.ckpt").stat().st_mtime_ns == before  # nothing trained again


# ---------------------------------------------------------------------------------------------------- 9: resume
def test_resuming_with_another_loss_miner_model_or_data_is_refused_listing_the_differences(one_epoch_run,
                                                                                          cfg_factory):
    run, _ = one_epoch_run
    with pytest.raises(ConfigError) as info:
        train(cfg_factory(*QUICK, "trainer.max_epochs=2", f"ckpt_path={run}", "loss=triplet", "model=small",
                          "miner.num_negatives=2", "data.max_train_samples=200"))
    message = str(info.value)
    assert "was trained with a different config" in message
    for line in ("loss._target_: checkpoint 'siamese.losses.ContrastiveLoss', now 'siamese.losses.TripletLoss'",
                 "miner.num_negatives: checkpoint 1, now 2", "data.max_train_samples: checkpoint 300, now 200",
                 "model.channels: checkpoint [32, 64], now [16, 64]"):
        assert line in message, message
    assert "resume_config_mismatch=allow" in message


def test_resume_config_mismatch_allow_resumes_anyway(one_epoch_run, tmp_path):
    import shutil

    run, _ = one_epoch_run
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    (copy / "metrics.json").unlink()
    metrics = train(_compose([*QUICK, "trainer.max_epochs=2", f"ckpt_path={copy}", "miner.num_negatives=2",
                              "resume_config_mismatch=allow", "test=false"], tmp_path / "new"))
    assert metrics["epochs"] == 2.0


def _compose(overrides, output_dir):
    from siamese.config import compose_config

    return compose_config(overrides, output_dir=output_dir)


def test_ckpt_path_last_picks_the_newest_run_of_the_same_config_never_another_configs_job(one_epoch_run, tmp_path):
    import shutil

    from omegaconf import OmegaConf

    run, _ = one_epoch_run
    task_dir = tmp_path / "outputs" / "train"
    mine, other = task_dir / "runs" / "mine", task_dir / "multiruns" / "x" / "3"
    shutil.copytree(run, mine)
    shutil.copytree(run, other)
    stored = torch.load(other / "checkpoints" / "last.ckpt", weights_only=True)
    stored["siamese_config"]["loss"]["margin"] = 2.0  # another job of a multirun: loss.margin=2.0
    torch.save(stored, other / "checkpoints" / "last.ckpt")
    past = time.time() - 100
    os.utime(mine / "checkpoints" / "last.ckpt", (past, past))  # the other job's checkpoint is newer
    config = OmegaConf.to_container(_compose([*QUICK, "trainer.max_epochs=1"], mine), resolve=True)
    assert resolve_ckpt_path("last", task_dir, config) == str(mine / "checkpoints" / "last.ckpt")
    config["loss"]["margin"] = 3.0
    with pytest.raises(FileNotFoundError, match="was trained with this config.*loss.margin: checkpoint 2.0, now 3.0"):
        resolve_ckpt_path("last", task_dir, config)


RESUMABLE = ["logger=csv", "data.max_train_samples=260", "data.max_test_samples=100", "trainer.max_epochs=2",
             "~callbacks.embedding_plot", "~callbacks.progress_bar", "~callbacks.wandb_embedding_table",
             "callbacks.retrieval_metrics.metrics=[precision_at_1]", "test=false", "optimized_metric=val/loss",
             "miner=knn", "data.shift.train=true", "+trainer.num_sanity_val_steps=1"]


def test_a_run_killed_mid_epoch_and_resumed_ends_exactly_as_the_uninterrupted_run(tmp_path):
    """Killed in the middle of epoch 2 of 2. Same metrics, same weights, same best checkpoint: every random
    state (torch for the shift augmentation
    and the random negatives, the k-NN sampler's anchor order) is restored, and the resumed run continues in the
    killed run's directory (one history, best_model_score carried over)."""
    whole = tmp_path / "whole"
    run_train([*RESUMABLE, f"hydra.run.dir={whole}"])
    task_dir = tmp_path / "outputs" / "train"
    killed = task_dir / "runs" / "killed"
    result = run_train([*RESUMABLE, f"paths.task_dir={task_dir}", f"hydra.run.dir={killed}",
                        "+callbacks.kill._target_=siamese.callbacks.fault_injection.KillAtBatch",
                        "+callbacks.kill.epoch=1", "+callbacks.kill.batch=1"], check=False)
    assert result.returncode == -9, result.stderr[-2000:]
    run_train([*RESUMABLE, f"paths.task_dir={task_dir}", f"hydra.run.dir={tmp_path / 'restart'}", "ckpt_path=last"])

    assert "continuing in the run directory" in (killed / "train.log").read_text()
    a, b = (json.loads((d / "metrics.json").read_text()) for d in (whole, killed))
    timeless = {k: v for k, v in a.items() if not k.startswith("time/")}
    assert timeless == {k: v for k, v in b.items() if not k.startswith("time/")}
    final_a, final_b = (torch.load(d / "checkpoints" / "last.ckpt", weights_only=True) for d in (whole, killed))
    for name, tensor in final_a["state_dict"].items():
        assert torch.equal(tensor, final_b["state_dict"][name]), name
    best_a, best_b = (next(v for k, v in c["callbacks"].items() if "monitor" in k and "val/loss" in k)
                      for c in (final_a, final_b))
    assert best_a["best_model_score"] == best_b["best_model_score"]
    assert Path(best_a["best_model_path"]).name == Path(best_b["best_model_path"]).name
    # one history in one directory: the rows of both epochs
    rows = [json.loads(line) for line in (killed / "metrics_history.jsonl").read_text().splitlines()]
    assert sorted({row["epoch"] for row in rows}) == [1, 2]
    assert (killed / "csv" / "metrics.attempt1.csv").is_file()  # the killed attempt's CSV log is kept


# ------------------------------------------------------------------------------------ 10, 11: numbers and history
def test_metrics_json_says_which_checkpoint_produced_each_number(one_epoch_run):
    _, metrics = one_epoch_run
    assert metrics["checkpoint/fit_epoch"] == 1.0 and metrics["checkpoint/test_epoch"] == 1.0


def test_metrics_history_train_metrics_match_the_csv_loggers_epochs(tmp_path):
    run = tmp_path / "run"
    train(_compose([*QUICK, "trainer.max_epochs=3", "test=false", "optimized_metric=val/loss"], run))
    history = [json.loads(line) for line in (run / "metrics_history.jsonl").read_text().splitlines()]
    with open(run / "csv" / "metrics.csv") as f:
        logged = {int(row["epoch"]): float(row["train/loss"]) for row in csv.DictReader(f) if row.get("train/loss")}
    assert [row["epoch"] for row in history] == [1, 2, 3]
    assert {row["epoch"] - 1: row["train/loss"] for row in history} == logged  # epoch e (1-based) = CSV epoch e-1
