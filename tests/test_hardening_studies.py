"""Issue 15, item 16: the studies write to an output directory unless told otherwise, and --help works."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHIFT_STUDY = REPO / "experiments" / "shift_clusters" / "run_study.py"
AIS_STUDY = REPO / "experiments" / "alignment_importance" / "run.py"


def run(script: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, str(script), *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)


def committed_digest() -> str:
    """A digest of every committed study result (tables, reports, figures)."""
    digest = hashlib.sha256()
    for path in sorted([*(REPO / "experiments").rglob("*.md"), *(REPO / "experiments").rglob("*.png"),
                        *(REPO / "experiments").rglob("*.csv"), *(REPO / "experiments").rglob("*.json")]):
        digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()


@pytest.mark.parametrize("script", [SHIFT_STUDY, AIS_STUDY], ids=["shift_clusters", "alignment_importance"])
def test_help_prints_usage(script):
    result = run(script, "--help")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage:" in result.stdout and "--out" in result.stdout and "--update-committed" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_scaled_down_shift_study_report_goes_to_the_output_dir_and_leaves_committed_results(tmp_path):
    before = committed_digest()
    run_dir = tmp_path / "runs" / "shift_baseline"  # what `--out tmp_path trainer.max_epochs=1` would leave
    (run_dir / "embeddings").mkdir(parents=True)
    rng = np.random.default_rng(0)
    n = 80
    np.savez_compressed(run_dir / "embeddings" / "epoch_001.npz", **{
        "test_shifted/embedding": rng.normal(size=(n, 2)).astype(np.float32),
        "test_shifted/label": np.repeat([4, 9], n // 2), "test_shifted/shift": np.tile([-6, -3, 3, 6], n // 4),
        "test_shifted/index": np.tile(np.arange(n // 4), 4)})
    (run_dir / "metrics.json").write_text(json.dumps({"val/precision_at_1": 0.5, "epochs": 1.0}))
    result = run(SHIFT_STUDY, "--report-only", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    report = (tmp_path / "shift_clusters.md").read_text()
    assert "![shift_baseline](figures/shift_baseline.png)" in report
    assert (tmp_path / "figures" / "shift_baseline.png").is_file()
    assert committed_digest() == before
