"""A seed fixes data order, pairs and initialization: the same seed gives the same metrics (tiny real runs)."""

from __future__ import annotations

import json

from siamese.config import compose_config
from siamese.training import train

# data.shift.train: random shift augmentation, one more source of randomness
TINY_WITH_METRICS = ["debug=default", "trainer.max_epochs=1", "~callbacks.embedding_plot", "~callbacks.progress_bar",
                     "+trainer.enable_progress_bar=false", "data.shift.train=true"]


def _run(tmp_path, name, seed):
    cfg = compose_config([*TINY_WITH_METRICS, f"seed={seed}"], output_dir=tmp_path / name)
    train(cfg)
    metrics = json.loads((tmp_path / name / "metrics.json").read_text())
    return {k: v for k, v in metrics.items() if not k.startswith("time/")}  # wall-clock timings vary


def test_same_seed_same_metrics_other_seed_other_metrics(tmp_path):
    first, again, other = _run(tmp_path, "a", 7), _run(tmp_path, "b", 7), _run(tmp_path, "c", 8)
    assert {"train/loss", "val/loss", "val/precision_at_1", "test/precision_at_1"} <= set(first)
    assert first == again
    assert other["train/loss"] != first["train/loss"]
