"""Reading runs that are half-written, still training, or failed: the readable part, and what was skipped."""

import json
import logging

from review_helpers import fake_run

from siamese.review.__main__ import main as review_main
from siamese.review.runs import load_run


def test_a_half_written_history_line_is_skipped_and_said(tmp_path, caplog):
    run_dir = fake_run(tmp_path / "run", seed=0, epochs=(0, 1, 2, 3))
    history = run_dir / "metrics_history.jsonl"
    history.write_text(history.read_text() + '{"stage": "fit", "epoch": 4, "train/lo')  # killed mid-write
    with caplog.at_level(logging.WARNING, logger="siamese.review.runs"):
        run = load_run(run_dir)
    assert [row["epoch"] for row in run.history] == [1, 2, 3]
    assert run.skipped == ["metrics_history.jsonl line 4: half-written (no end of line: the run is writing it, or "
                           "was stopped mid-write); skipped"]
    assert f"{run_dir}: metrics_history.jsonl line 4: half-written" in caplog.text
    # a garbled line in the middle is skipped too, named as such; the lines after it are read
    lines = history.read_text().split("\n")
    history.write_text("\n".join([lines[0], "{not json", *lines[1:3]]) + "\n")
    run = load_run(run_dir)
    assert [row["epoch"] for row in run.history] == [1, 2, 3]
    assert len(run.skipped) == 1 and run.skipped[0].startswith("metrics_history.jsonl line 2: not a metrics row "
                                                               "(JSONDecodeError:")


def test_a_corrupt_embeddings_file_is_skipped_and_the_review_is_written(tmp_path):
    run_dir = fake_run(tmp_path / "run", seed=0, epochs=(0, 1, 2, 3))
    last = run_dir / "embeddings" / "epoch_003.npz"
    last.write_bytes(last.read_bytes()[:300])  # truncated: a BadZipFile before
    (run_dir / "embeddings" / "epoch_002.npz").write_bytes(b"not a zip at all")
    run = load_run(run_dir)
    assert list(run.epochs) == [0, 1]
    assert run.skipped[0].startswith("embeddings/epoch_002.npz: unreadable (")
    assert run.skipped[1].startswith("embeddings/epoch_003.npz: unreadable (")
    out = review_main([str(run_dir), "--out", str(tmp_path / "review.html"), "--max-points", "50", "--no-figures"])
    page = out.read_text()
    assert "embeddings/epoch_003.npz: unreadable" in page  # the page says so in the run's card
    from siamese.review.figures import evolution_grid

    assert [ax.get_title() for ax in evolution_grid(run).axes] == ["epoch 0", "epoch 1"]  # the readable epochs


def test_reviewing_a_run_that_is_still_training(tmp_path):
    run_dir = fake_run(tmp_path / "run", seed=0, epochs=(0, 1, 2))
    (run_dir / "metrics.json").unlink()  # written at the end of training
    history = run_dir / "metrics_history.jsonl"
    history.write_text(history.read_text() + '{"stage": "fit", "ep')  # the writer is mid-line
    # the atomic writer's temporary file beside the embeddings is not an epoch
    (run_dir / "embeddings" / ".epoch_003.npz.k2j3.tmp").write_bytes(b"PK\x03\x04partial")
    run = load_run(run_dir)
    assert run.status == "running or stopped" and list(run.epochs) == [0, 1, 2] and len(run.history) == 2
    out = review_main([str(run_dir), "--out", str(tmp_path / "review.html"), "--no-figures", "--max-points", "50"])
    payload = json.loads(out.read_text().split("const DATA = ", 1)[1].split(";\n", 1)[0])
    assert payload["runs"][0]["status"] == "running or stopped" and payload["runs"][0]["epochs"] == [0, 1, 2]


def test_failed_stub_folders_are_listed_not_drawn(tmp_path, caplog):
    sweep = tmp_path / "multirun"
    fake_run(sweep / "0", seed=0)
    stub = sweep / "1"
    (stub / ".hydra").mkdir(parents=True)
    (stub / ".hydra" / "config.yaml").write_text("seed: 1\n")
    (stub / "train.log").write_text("[INFO] start\nerror: data.digits=[11] is not a digit\n")
    assert load_run(stub).status == "no epoch" and load_run(stub).last_log_line() == \
        "error: data.digits=[11] is not a digit"
    with caplog.at_level(logging.WARNING, logger="siamese.review"):
        out = review_main([str(sweep), "--out", str(tmp_path / "review.html"), "--no-figures", "--max-points", "50"])
    assert "1 of 2 runs logged no epoch (failed jobs' stub folders" in caplog.text and "multirun/1" in caplog.text
    payload = json.loads(out.read_text().split("const DATA = ", 1)[1].split(";\n", 1)[0])
    assert [run["name"] for run in payload["runs"]] == ["multirun/0"]
    assert payload["no_epoch"] == [{"name": "multirun/1", "last": "error: data.digits=[11] is not a digit"}]


def test_a_garbled_config_or_overrides_file_is_skipped_and_said(tmp_path):
    run_dir = fake_run(tmp_path / "run", seed=0, epochs=(0, 1))
    (run_dir / ".hydra" / "config.yaml").write_text("model: [unclosed\n")
    (run_dir / ".hydra" / "overrides.yaml").write_text("- a: [\n")
    run = load_run(run_dir)
    assert run.skipped == [".hydra/config.yaml: not readable YAML (ParserError); skipped",
                           ".hydra/overrides.yaml: not a YAML list (ParserError); skipped"]
    assert run.config == {} and list(run.epochs) == [0, 1] and run.status == "finished"
