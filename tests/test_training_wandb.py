"""A wandb offline run is complete inside its run directory, runs get distinct names and a
multirun gets one group. Real wandb (offline), real training; the run's records are read back from its .wandb
file (LevelDB log format: 7-byte header, then CRC/length/type chunks in 32 KiB blocks; protobuf Records)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sweep_helpers import run_train
from wandb.proto import wandb_internal_pb2

from siamese.training import train

QUICK = ["logger=wandb", "data.max_train_samples=300", "data.max_test_samples=200", "trainer.max_epochs=1",
         "+trainer.limit_train_batches=2", "~callbacks.embedding_plot", "~callbacks.retrieval_metrics",
         "~callbacks.progress_bar", "callbacks.wandb_embedding_table.max_rows=20", "test=false",
         "optimized_metric=val/loss"]


def wandb_records(path: Path):
    data = path.read_bytes()
    assert data[:4] == b":W&B", path
    position, block, pending = 7, 32768, b""
    while position + 7 <= len(data):
        left = block - position % block
        if left < 7:
            position += left
            continue
        length, kind = int.from_bytes(data[position + 4:position + 6], "little"), data[position + 6]
        if kind == 0:  # zero padding to the end of the block
            position += left
            continue
        chunk = data[position + 7:position + 7 + length]
        position += 7 + length
        if kind == 1:
            pending = chunk
        elif kind == 2:
            pending = chunk
            continue
        elif kind == 3:
            pending += chunk
            continue
        else:
            pending += chunk
        record = wandb_internal_pb2.Record()
        record.ParseFromString(pending)
        yield record
        pending = b""


def offline_run(run_dir: Path) -> Path:
    runs = list((run_dir / "wandb").glob("offline-run-*"))
    assert len(runs) == 1, runs
    return runs[0]


def run_record(offline: Path):
    return next(r.run for r in wandb_records(next(offline.glob("*.wandb"))) if r.WhichOneof("record_type") == "run")


def test_every_file_the_offline_run_references_is_inside_the_run_directory(cfg_factory, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # where ~/.local/share/wandb would be
    monkeypatch.delenv("WANDB_DATA_DIR", raising=False)
    cfg = cfg_factory(*QUICK)
    train(cfg)
    run_dir = Path(cfg.paths.output_dir).resolve()
    offline = offline_run(run_dir)
    referenced = [Path(entry.local_path) for record in wandb_records(next(offline.glob("*.wandb")))
                  if record.WhichOneof("record_type") == "artifact" for entry in record.artifact.manifest.contents]
    assert len(referenced) >= 2 * 20 + 1  # 20 thumbnails per split and the table
    assert all(p.is_relative_to(run_dir) for p in referenced), [p for p in referenced if not p.is_relative_to(run_dir)]
    assert not (tmp_path / "xdg" / "wandb").exists()  # nothing staged outside the run
    # the layout a cluster node hands over: copy the run directory elsewhere, everything it references comes along
    elsewhere = tmp_path / "laptop" / "run"
    shutil.copytree(run_dir, elsewhere)
    shutil.rmtree(run_dir)
    missing = [p for p in referenced if not (elsewhere / p.relative_to(run_dir)).is_file()]
    assert not missing, missing


BARE = ["logger=wandb", "callbacks=none", "data.max_train_samples=300", "trainer.max_epochs=1",
        "+trainer.limit_train_batches=2", "test=false", "optimized_metric=val/loss"]


def test_runs_get_distinct_names_and_a_multirun_one_group(tmp_path):
    sweep = tmp_path / "sweep"
    run_train(["-m", *BARE, f"hydra.sweep.dir={sweep}", "seed=1,2"])
    records = [run_record(offline_run(sweep / job)) for job in ("0", "1")]
    assert records[0].display_name.startswith("train-job0-logger=wandb-callbacks=none-")
    assert records[1].display_name.startswith("train-job1-") and records[0].display_name != records[1].display_name
    assert records[0].run_group == records[1].run_group == "train-sweep"


def test_a_single_run_is_named_by_its_run_directory_and_has_no_group(cfg_factory):
    from omegaconf import open_dict

    from siamese.training import name_wandb_run

    cfg = cfg_factory("logger=wandb")
    with open_dict(cfg):
        cfg.paths.output_dir = "/x/outputs/train/runs/2026-12-01_10-00-00"
    name_wandb_run(cfg)
    assert cfg.logger.wandb.name.startswith("train-2026-12-01_10-00-00") and cfg.logger.wandb.get("group") is None
