"""The human-scaling benchmark's odd-one-out part at a tiny size: it runs, writes its table, curve and rows."""

from __future__ import annotations

import json

from benchmarks.human_scaling import main


def test_odd_one_out_part_writes_its_table_and_curve(tmp_path):
    text = main(["--parts", "ooo", "--ooo-sizes", "300", "600", "--out", str(tmp_path), "--name", "h"])
    rows = json.loads((tmp_path / "h.json").read_text())
    assert [r["size"] for r in rows] == [300, 600] and all(r["total_s"] > 0 for r in rows)
    assert 0.2 < rows[-1]["accuracy"] < 0.5  # random embeddings, random answers: about chance
    assert "| odd-one-out | 600 |" in text and (tmp_path / "h.png").stat().st_size > 1000
