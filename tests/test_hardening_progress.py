"""Issue 15, item 14: progress when no terminal is attached: one log line per epoch with the key metrics (in
train.log and the captured output of a job), fold k/K in align-cv, progress lines in projections and make-pairs."""

from __future__ import annotations

import json
import logging
import re

import numpy as np
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


def test_projection_logs_what_it_fits(caplog):
    from siamese.evaluation.projection import project_2d

    rng = np.random.default_rng(0)
    with caplog.at_level(logging.INFO, logger="siamese.evaluation.projection"):
        project_2d({"train": rng.normal(size=(50, 4)), "test": rng.normal(size=(20, 4))}, method="pca")
    assert "pca projection: fitting on 50 x 4 (train)" in caplog.text
    assert "pca projection: 2 splits projected" in caplog.text


def test_make_pairs_logs_its_progress(tmp_path, caplog):
    from siamese.human.collect.pairs import make_pairs

    with caplog.at_level(logging.INFO, logger="siamese.human.collect.pairs"):
        make_pairs(tmp_path / "pairs", n=4, digit=8, seed=0)
    assert "make-pairs: drawing 4 digit-8 pairs from MNIST test" in caplog.text
    assert f"make-pairs: wrote {tmp_path / 'pairs' / 'pairs.csv'}" in caplog.text
    assert f"make-pairs: wrote {tmp_path / 'pairs' / 'sheet.png'}" in caplog.text
