"""trainer=ddp end to end: train.py with 2 CPU processes (gloo), also inside a multirun."""

from __future__ import annotations

import json

import pytest
import yaml
from sweep_helpers import TINY, run_train


@pytest.mark.slow
def test_ddp_multirun_runs_each_job_with_two_processes(tmp_path):
    sweep = tmp_path / "ddp"
    run_train(["-m", "trainer=ddp", "trainer.accelerator=cpu", "loss=contrastive,triplet", "logger=csv", *TINY,
               f"hydra.sweep.dir={sweep}"], timeout=300)
    for n, loss in enumerate(("contrastive", "triplet")):
        job = sweep / str(n)
        assert f"loss={loss}" in yaml.safe_load((job / ".hydra/overrides.yaml").read_text())
        # rank 1 was started by Lightning as a single run of this job, logging into the job's directory
        rank1_log = (job / "train_ddp_process_1.log").read_text()
        assert "metrics:" in rank1_log
        metrics = json.loads((job / "metrics.json").read_text())
        assert metrics["epochs"] == 1.0
        # 360 train images (debug=default), 2 processes x 64: one global batch holds ~128 images -> ~115 positive
        # pairs from the random miner (one per anchor with a partner); one process alone would mine at most 64
        assert metrics["train/num_pos_pairs"] > 64
    assert not list(sweep.glob("*/*/.hydra")), "a child process started a sweep of its own"
    assert len(list(sweep.glob("*/metrics.json"))) == 2
