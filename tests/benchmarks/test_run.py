"""The benchmark script runs end to end at tiny sizes (so it cannot rot); its numbers are checked in benchmarks/."""

import pytest

from benchmarks.run import main


@pytest.mark.slow  # every benchmark table end to end (a minute): a study's harness; its parts are tested below
def test_benchmark_smoke_run_prints_every_table(tmp_path):
    table = main(["--quick", "--out", str(tmp_path / "results.md")])
    assert "cpu cores" in table and "Validation next to a training epoch" in table
    assert "the default: val P@1 vs 2000 train every epoch, fit/ every 5th" in table
    assert "embedding plot, whole splits" in table
    assert "| plain pml script |" in table and "| framework, NCHW net |" in table
    assert "Retrieval metrics vs N" in table and "Human-similarity evaluation" in table
    assert "k-NN graph of the k-NN miner" in table and "k-NN miner per batch" in table
    assert "faiss IVF" in table and "recall@5" in table
    assert not (tmp_path / "results.md").exists()  # quick numbers are never written as results


def test_profile_script_names_the_lightning_actions_and_the_operators():
    from benchmarks.profile_step import main as profile

    text = profile(["--batches", "4", "--warmup", "1", "--max-train-samples", "600", "--rows", "5"])
    assert "run_training_batch" in text and "optimizer_step" in text
    assert "Self CPU" in text  # the torch.profiler operator table


def test_knn_search_benchmark_finds_the_same_neighbours_on_both_sides():
    from benchmarks.knn_search import measure, table

    rows = measure(200, 500, [2, 16], many_k=[20], many_queries=50)
    assert [(r["dim"], r["k"], r["queries"]) for r in rows] == [(2, 1, 200), (2, 20, 50), (16, 1, 200), (16, 20, 50)]
    assert all(r["same"] == 1.0 for r in rows)
    assert [r["used"] for r in rows] == ["KDTreeKNN", "KDTreeKNN", "FaissKNN", "FaissKNN"]
    assert "| 16 | 20 | 50 |" in "\n".join(table(rows, 500))


def test_time_to_target_takes_the_fewest_epochs_that_reach_it():
    from benchmarks.run import time_to_target

    asked = []

    def run_for(epochs):
        asked.append(epochs)
        return epochs >= 3, 10.0 * epochs, epochs

    assert time_to_target(True, 5.0, run_for) == (5.0, 1) and asked == []  # the one-epoch runs reached it
    assert time_to_target(False, 5.0, run_for) == (30.0, 3) and asked == [2, 3]
    assert time_to_target(False, 5.0, lambda e: (False, None, e)) == (None, 3)  # never reached
