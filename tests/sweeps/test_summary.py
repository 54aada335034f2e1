"""The sweep summary table on hand-made job directories (exact contents)."""

from __future__ import annotations

import json

from siamese.sweeps import collect_runs, write_summary


def _job(sweep, n, overrides, metrics=None):
    (sweep / str(n) / ".hydra").mkdir(parents=True)
    (sweep / str(n) / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
    if metrics is not None:
        (sweep / str(n) / "metrics.json").write_text(json.dumps(metrics))


def test_summary_table_rows_columns_and_failed_jobs(tmp_path):
    _job(tmp_path, 10, ["loss=triplet", "~callbacks.embedding_plot=null"], {"val/loss": 0.5, "epochs": 2.0})
    _job(tmp_path, 2, ["loss=contrastive", "loss.margin=0.123456789"], {"val/loss": 0.25, "val/precision_at_1": 1.0})
    _job(tmp_path, 3, ["loss=contrastive", "optimizer.lr=1e+30"])  # failed: no metrics.json
    (tmp_path / "not_a_job").mkdir()

    runs = collect_runs(tmp_path)
    assert [r["run"] for r in runs] == ["2", "3", "10"]
    csv_path, md_path = write_summary(tmp_path)
    assert csv_path.read_text().splitlines() == [
        "run,status,loss,loss.margin,optimizer.lr,~callbacks.embedding_plot,epochs,val/loss,val/precision_at_1",
        "2,ok,contrastive,0.123456789,,,,0.25,1.0",
        "3,no metrics,contrastive,,1e+30,,,,",
        "10,ok,triplet,,,deleted,2.0,0.5,",
    ]
    assert md_path.read_text().splitlines() == [
        "| run | status | loss | loss.margin | optimizer.lr | ~callbacks.embedding_plot | epochs | val/loss "
        "| val/precision_at_1 |",
        "|---|---|---|---|---|---|---|---|---|",
        "| 2 | ok | contrastive | 0.123456789 |  |  |  | 0.25 | 1 |",
        "| 3 | no metrics | contrastive |  | 1e+30 |  |  |  |  |",
        "| 10 | ok | triplet |  |  | deleted | 2 | 0.5 |  |",
    ]


def test_no_jobs_no_table(tmp_path):
    assert write_summary(tmp_path) is None
    assert not (tmp_path / "summary.csv").exists()
