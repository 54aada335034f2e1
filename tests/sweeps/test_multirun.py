"""Multirun with its summary table, the Optuna search, and the submitit launchers (real train.py subprocesses)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
import yaml
from sweep_helpers import TINY, run_train


def _wandb_times(debug_log: Path) -> tuple[str, str]:
    """(first timestamp, timestamp of 'finishing run') of one wandb run's debug.log."""
    lines = debug_log.read_text().splitlines()
    stamps = [line[:23] for line in lines if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}", line)]
    finish = [line[:23] for line in lines if "finishing run" in line]
    assert finish, f"{debug_log}: the wandb run was not finished"
    return stamps[0], finish[-1]


def test_multirun_2x2_gives_every_combination_its_own_run_and_a_summary_table(tmp_path):
    sweep = tmp_path / "sweep"
    run_train(["-m", "loss=contrastive,triplet", "miner=random,pml", "logger=wandb", *TINY,
               f"hydra.sweep.dir={sweep}"])
    combos = []
    wandb_ids, wandb_times = set(), []
    for n in range(4):
        job = sweep / str(n)
        overrides = yaml.safe_load((job / ".hydra" / "overrides.yaml").read_text())
        combos.append(tuple(o for o in overrides if o.startswith(("loss=", "miner="))))
        assert (job / "metrics.json").is_file()
        runs = list((job / "wandb").glob("offline-run-*"))
        assert len(runs) == 1, f"job {n} has wandb runs {runs}"
        wandb_ids.add(runs[0].name.rsplit("-", 1)[1])
        wandb_times.append(_wandb_times(job / "wandb" / "debug.log"))
    assert sorted(combos) == [(f"loss={loss}", f"miner={miner}") for loss in ("contrastive", "triplet")
                              for miner in ("pml", "random")]
    assert len(wandb_ids) == 4
    for (_, finished), (next_started, _) in zip(wandb_times, wandb_times[1:]):
        assert finished <= next_started, "a wandb run was still open when the next job started"

    with open(sweep / "summary.csv") as f:
        rows = list(csv.DictReader(f))
    assert [row["run"] for row in rows] == ["0", "1", "2", "3"]
    for n, row in enumerate(rows):
        metrics = json.loads((sweep / str(n) / "metrics.json").read_text())
        assert (f"loss={row['loss']}", f"miner={row['miner']}") == combos[n]
        assert row["status"] == "ok"
        assert float(row["val/loss"]) == metrics["val/loss"]
        assert float(row["epochs"]) == 1.0
    markdown = (sweep / "summary.md").read_text().splitlines()
    assert markdown[0].startswith("| run | status | loss | miner |")
    assert len(markdown) == 2 + 4
    assert markdown[2].split("|")[3].strip() == rows[0]["loss"]


def test_optuna_search_runs_two_trials_and_reports_the_best(tmp_path):
    sweep = tmp_path / "search"
    run_train(["hparams_search=optuna", "hydra.sweeper.n_trials=2", "hydra.sweeper.direction=minimize",
               "logger=csv", *TINY, f"hydra.sweep.dir={sweep}"])
    trials = []
    for n in range(2):
        overrides_file = sweep / str(n) / ".hydra" / "overrides.yaml"
        overrides = dict(o.split("=", 1) for o in yaml.safe_load(overrides_file.read_text()))
        assert 0.2 <= float(overrides["loss.margin"]) <= 2.0
        assert 1e-4 <= float(overrides["optimizer.lr"]) <= 1e-2
        assert overrides["model.embedding_dim"] in {"2", "8", "32"}
        assert overrides["miner"] in {"random", "pml"}
        config = yaml.safe_load((sweep / str(n) / ".hydra/config.yaml").read_text())
        assert config["loss"]["margin"] == float(overrides["loss.margin"])  # the trial really ran with it
        trials.append(json.loads((sweep / str(n) / "metrics.json").read_text())["val/loss"])
    result = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    assert result["best_value"] == min(trials)
    assert set(result["best_params"]) == {"loss.margin", "optimizer.lr", "model.embedding_dim", "miner"}
    assert (sweep / "summary.csv").is_file()


@pytest.mark.slow  # a third full train.py start in a submitit process; the launcher config is checked below
def test_submitit_local_launcher_runs_the_job_in_its_own_process(tmp_path):
    sweep = tmp_path / "submitit"
    run_train(["-m", "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=5", "logger=csv", *TINY,
               f"hydra.sweep.dir={sweep}"])
    results = list((sweep / ".submitit").glob("*/*_result.pkl"))
    assert len(results) == 1, "submitit did not record one finished job"
    out = next((sweep / ".submitit").glob("*/*_log.out")).read_text() + \
        next((sweep / ".submitit").glob("*/*_log.err")).read_text()
    assert "metrics:" in out  # the training ran inside the submitit job
    assert json.loads((sweep / "0" / "metrics.json").read_text())["epochs"] == 1.0
    assert (sweep / "summary.md").is_file()


def test_slurm_launcher_config_reaches_sbatch(tmp_path, monkeypatch):
    """The keys of conf/hydra/launcher/slurm.yaml end up in the sbatch script submitit would submit (nothing is
    submitted: there is no cluster here; a stand-in ``srun`` only passes submitit's "is this a cluster" check)."""
    import os

    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "srun").write_text("#!/bin/sh\nexit 1\n")
    (fake_bin / "srun").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ['PATH']}")
    import submitit
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from omegaconf import OmegaConf

    from siamese.config import CONFIG_DIR

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        overrides = ["hydra/launcher=slurm", "hydra.launcher.partition=gpu", "hydra.launcher.gpus_per_node=4",
                     "hydra.launcher.tasks_per_node=4", "hydra.launcher.timeout_min=90"]
        cfg = compose(config_name="train", overrides=overrides, return_hydra_config=True)
    launcher = OmegaConf.to_container(cfg.hydra.launcher, resolve=False)
    assert launcher["_target_"].endswith("SlurmLauncher")
    # as hydra_submitit_launcher's SlurmLauncher.launch turns its config into executor parameters
    from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf

    base = set(OmegaConf.structured(BaseQueueConf).keys())
    skip = {"_target_", "submitit_folder", "max_num_timeout", "name"}
    params = {k if k in base else f"slurm_{k}": v for k, v in launcher.items() if k not in skip}
    executor = submitit.AutoExecutor(folder=tmp_path, cluster="slurm")
    executor.update_parameters(**params)
    script = executor._executor._make_submission_file_text("python train.py", "uid")
    assert "#SBATCH --partition=gpu" in script
    assert "#SBATCH --gpus-per-node=4" in script
    assert "#SBATCH --ntasks-per-node=4" in script
    assert "#SBATCH --time=90" in script
