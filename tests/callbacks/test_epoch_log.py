"""Progress when no terminal is attached: one log line per epoch with the key metrics, in train.log and in the
captured output of a job."""

from __future__ import annotations

import json
import re

from sweep_helpers import run_train


def test_one_log_line_per_epoch_with_the_key_metrics_without_a_terminal(tmp_path):
    run = tmp_path / "run"
    result = run_train(["logger=none", "data.max_train_samples=300", "data.max_test_samples=200",
                        "trainer.max_epochs=2", "~callbacks.embedding_plot", "~callbacks.wandb_embedding_table",
                        "test=false", f"hydra.run.dir={run}"])  # stdout/stderr are pipes: no terminal
    log_text = (run / "train.log").read_text()
    lines = [line for line in log_text.splitlines() if re.search(r"epoch \d/2 \(", line)]
    assert len(lines) == 2, log_text[-3000:]
    history = [json.loads(line) for line in (run / "metrics_history.jsonl").read_text().splitlines()]
    for line, row in zip(lines, history):
        assert f"epoch {row['epoch']}/2" in line
        for key in ("train/loss", "val/loss", "val/precision_at_1"):
            assert f"{key} {row[key]:.4f}" in line, (key, line)
    assert "epoch 1/2 (" in result.stdout + result.stderr  # also in the job's captured output (nohup, SLURM)
