"""Real training with the real Lightning trainer on real MNIST: smoke runs, a small run that must learn, resume."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from siamese.training import train


def column(csv_path, name):
    """The non-empty values of one column of Lightning's CSVLogger metrics.csv."""
    with open(csv_path) as f:
        return [float(row[name]) for row in csv.DictReader(f) if row.get(name)]


NO_EVAL = ["~callbacks.embedding_plot", "~callbacks.retrieval_metrics"]  # keep checkpoints only


# every loss and every model once in the default set; the rest of the 3 x 2 grid (same code paths) in slow
GRID_REST = pytest.mark.slow


@pytest.mark.parametrize(("model", "loss"), [
    ("embedding", "contrastive"), ("small", "triplet"), ("classifier", "contrastive"),
    pytest.param("embedding", "triplet", marks=GRID_REST), pytest.param("small", "contrastive", marks=GRID_REST),
    pytest.param("classifier", "triplet", marks=GRID_REST),
])
def test_fast_dev_run_every_loss_and_model(cfg_factory, loss, model):
    metrics = train(cfg_factory("debug=fdr", f"loss={loss}", f"model={model}"))
    assert np.isfinite(metrics["train/loss"]) and "test_shifted/precision_at_1" in metrics


def test_small_real_training_learns_4_vs_9(cfg_factory):
    cfg = cfg_factory("logger=csv", "data.max_train_samples=600", "data.max_test_samples=400",
                      "data.batch_size=64", "trainer.max_epochs=4", "callbacks.embedding_plot.every_n_epochs=2",
                      "callbacks.retrieval_metrics.fit_every_n_epochs=3")
    metrics = train(cfg)
    run = Path(cfg.paths.output_dir)
    assert metrics["test/precision_at_1"] >= 0.9, metrics
    train_loss = column(run / "csv" / "metrics.csv", "train/loss")
    assert len(train_loss) == 4 and train_loss[-1] < 0.6 * train_loss[0], train_loss
    # the run directory holds what the review needs
    assert json.loads((run / "metrics.json").read_text())["test/precision_at_1"] == metrics["test/precision_at_1"]
    assert (run / "checkpoints" / "last.ckpt").exists() and list((run / "checkpoints").glob("best-*.ckpt"))
    stats = json.loads((run / "normalization.json").read_text())
    assert stats["digits"] == [4, 9] and 0.1 < stats["mean"] < 0.15
    assert sorted(p.name for p in (run / "plots").glob("*.png")) == ["embeddings_epoch_000.png",  # untrained
                                                                   "embeddings_epoch_002.png",
                                                                   "embeddings_epoch_004.png"]
    # val metrics each epoch, the subsampled fit/ metrics every 3rd and the last (only in those epochs' rows, not
    # Lightning's kept values of epoch 3 in epoch 4's row: they differ), the full ones at test time
    history = [json.loads(line) for line in (run / "metrics_history.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in history] == [1, 2, 3, 4]
    for key in ("time/retrieval_metrics_s", "val/precision_at_1", "val/precision_at_1_se", "val/loss"):
        assert all(key in row for row in history), key
    for key in ("fit/test/mean_average_precision_at_r", "fit/test_shifted/NMI", "fit/test/silhouette"):
        assert [row["epoch"] for row in history if key in row] == [3, 4], key
    assert history[2]["fit/test_shifted/NMI"] != history[3]["fit/test_shifted/NMI"]
    for key in ("test/r_precision", "test_shifted/mean_average_precision_at_r", "test/AMI", "test/silhouette"):
        assert 0 < metrics[key] <= 1, (key, metrics)
    saved = np.load(run / "embeddings" / "epoch_004.npz")
    assert saved["test/embedding"].shape == (400, 2)
    assert saved["test_shifted/embedding"].shape == (1600, 2)
    assert sorted(set(saved["test_shifted/shift"].tolist())) == [-6, -3, 3, 6]
    checkpoint = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)
    assert checkpoint["siamese_config"]["model"]["_target_"] == "siamese.models.EmbeddingNet"
    assert checkpoint["MNISTDataModule"]["mean"] == stats["mean"]


def test_resume_from_last_checkpoint_continues_the_epoch_count(cfg_factory, tmp_path):
    first = cfg_factory("debug=default", *NO_EVAL, "test=false")  # one epoch
    train(first)
    last = Path(first.paths.output_dir) / "checkpoints" / "last.ckpt"
    assert torch.load(last, weights_only=True)["epoch"] == 0  # one epoch done
    resumed = cfg_factory("debug=default", "trainer.max_epochs=3", *NO_EVAL, "test=false", f"ckpt_path={last}")
    metrics = train(resumed)
    assert metrics["epochs"] == 3
    assert torch.load(last, weights_only=True)["epoch"] == 2
    epochs = column(Path(resumed.paths.output_dir) / "csv" / "metrics.csv", "epoch")
    assert sorted({int(e) for e in epochs}) == [1, 2]  # the resumed run trained epochs 1 and 2 only


def test_wandb_logs_offline_without_login(cfg_factory, monkeypatch, capfd):
    monkeypatch.delenv("WANDB_API_KEY", raising=False)
    # not debug=fdr: fast_dev_run swaps the loggers for a dummy
    cfg = cfg_factory("debug=limit", "logger=wandb", "trainer.max_epochs=1")
    metrics = train(cfg)
    printed = "".join(capfd.readouterr())
    for noise in ("anonymous", "LeafSpec", "litlogger"):  # printed on every run by wandb and Lightning
        assert noise not in printed, noise
    assert "Total FLOPs: 0 " not in printed and "Total FLOPs:" in printed  # counted on an example input
    assert "train/pairs/positive" not in metrics and metrics["train/num_pos_pairs"] > 0  # each count once
    # epochs counted from 1 everywhere: the one epoch trained is best-epoch001, as the log says "epoch 1/1"
    assert sorted(p.name for p in (Path(cfg.paths.output_dir) / "checkpoints").iterdir()) == [
        "best-epoch001.ckpt", "last.ckpt"]
    runs = list((Path(cfg.paths.output_dir) / "wandb").glob("offline-run-*"))
    assert len(runs) == 1
    records = list(runs[0].glob("*.wandb"))
    assert records and records[0].stat().st_size > 1000
    assert list(runs[0].glob("files/media/images/embeddings_*.png"))
    # the final embeddings as a Table with an image column (wandb's embedding projector)
    tables = list(runs[0].glob("files/media/table/**/*.table.json"))
    assert len(tables) == 1, list(runs[0].rglob("*"))
    table = json.loads(tables[0].read_text())
    assert table["columns"][:5] == ["image", "split", "label", "shift", "index"]
    assert table["columns"][5:] == ["emb_0", "emb_1"]
    # all 200 test images, 500 (max_rows) of the 800 shifted ones
    assert len(table["data"]) == 200 + 500 and {row[1] for row in table["data"]} == {"test", "test_shifted"}
