"""The benchmark script runs end to end at tiny sizes (so it cannot rot); its numbers are checked in benchmarks/."""

from benchmarks.run import main


def test_benchmark_smoke_run_prints_every_table(tmp_path):
    table = main(["--quick", "--out", str(tmp_path / "results.md")])
    assert "| contrastive |" in table and "| triplet |" in table
    assert "Full 10-digit MNIST epoch" in table and "cpu cores" in table
    assert "Retrieval metric" in table and "Human-similarity evaluation" in table
    assert not (tmp_path / "results.md").exists()  # quick numbers are never written as results
