"""python -m siamese.oneshot end to end on the SYNTHETIC replica: a real checkpoint, a pixel-only run, the baselines
against their definitions, a model's own pair_scores, and bad input before scoring."""

import csv
import json
import shutil

import numpy as np
import pytest
from torch import nn

from siamese.evaluation.oneshot_baselines import pixel_cosine_scores
from siamese.models.loading import LoadedNet
from siamese.oneshot.__main__ import main
from siamese.oneshot.replica import make_replica
from siamese.oneshot.runs import read_runs
from siamese.oneshot.score import model_image_size, model_method, pixel_method, run_directory_checkpoint, score_runs


@pytest.fixture(scope="module")
def replica(tmp_path_factory):
    return make_replica(tmp_path_factory.mktemp("replica"), n_runs=2, n_way=20, seed=0)


@pytest.fixture(scope="module")
def embedding_ckpt(tmp_path_factory):
    """A seeded random EmbeddingNet checkpoint in train.py's format (run config, net. weights, normalization)."""
    from checkpoint_files import write_random_checkpoint

    from siamese.models import EmbeddingNet

    return write_random_checkpoint(tmp_path_factory.mktemp("ckpt") / "random-embedding.ckpt", EmbeddingNet,
                                   {"embedding_dim": 16}, "random-embedding")


def brute_force_errors(runs, size, score):
    """Per run: the fraction of test items whose best-scoring candidate (first on ties) is not their class."""
    errors = []
    for run in runs.runs:
        test, candidates = runs.pixels(run, size)
        wrong = 0
        for k, answer in enumerate(run.answers):
            values = [score(test[k], c) for c in candidates]
            wrong += values.index(max(values)) != answer
        errors.append(wrong / len(run.tests))
    return errors


def test_end_to_end_with_a_checkpoint(replica, embedding_ckpt, tmp_path, capsys):
    out = tmp_path / "out"
    results = main(["--model", str(embedding_ckpt), "--runs", str(replica.zip_path), "--out", str(out)])
    assert [r.method.name for r in results] == ["model:random-embedding", "pixels", "hausdorff"]
    printed = capsys.readouterr().out
    assert "model:random-embedding: error" in printed and "hausdorff: error" in printed
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert len(rows) == 6 and {r["run"] for r in rows} == {"run01", "run02"}
    document = json.loads((out / "results.json").read_text())
    for result in results:
        entry = document["methods"][result.method.name]
        assert entry["items"] == 40 and entry["error"] == pytest.approx(np.mean(result.errors))
        assert entry["ci95_low"] <= entry["error"] <= entry["ci95_high"]
    assert "| hausdorff |" in (out / "results.md").read_text()
    # the baselines do better than chance (19/20) on drawings of the same characters
    assert document["methods"]["hausdorff"]["error"] < 0.8
    # the pixel baseline is the definition: cosine of the 28 x 28 pixels, best candidate
    cosine = lambda a, b: float(pixel_cosine_scores(a[None], b[None])[0, 0])  # noqa: E731
    pixels = document["methods"]["pixels"]["runs"]
    assert list(pixels.values()) == pytest.approx(brute_force_errors(read_runs(replica.directory), 28, cosine))


def test_pixel_only_run_from_the_directory(replica, tmp_path):
    results = main(["--runs", str(replica.directory), "--out", str(tmp_path), "--baselines", "pixels"])
    assert [r.method.name for r in results] == ["pixels"] and sum(results[0].items) == 40
    zipped = main(["--runs", str(replica.zip_path), "--out", str(tmp_path / "z"), "--baselines", "pixels"])
    assert zipped[0].wrong == results[0].wrong


class CosineVerifier(nn.Module):
    """Embedding = the flattened input; its own pair_scores = cosine (the pixel baseline, scale-free)."""

    def forward(self, x):
        return x.flatten(1)

    def pair_scores(self, a, b):
        return nn.functional.normalize(a, dim=1) @ nn.functional.normalize(b, dim=1).T


def test_a_net_with_pair_scores_is_scored_by_them(replica):
    runs = read_runs(replica.zip_path)
    loaded = LoadedNet(CosineVerifier(), 0.0, 1.0, name="verifier")
    model, pixels = score_runs(runs, [model_method(loaded), pixel_method()])
    assert model.method.description == "verifier, its own pair_scores"
    assert model.wrong == pixels.wrong  # its pair_scores are the pixel cosine
    euclid = score_runs(runs, [model_method(LoadedNet(nn.Flatten(), 0.0, 1.0))])[0]
    assert euclid.wrong != pixels.wrong


def test_a_factory_model_with_pair_scores_is_scored_by_them(replica, tmp_path, monkeypatch):
    (tmp_path / "my_verifier.py").write_text(
        "from torch import nn\n\n"
        "class Verifier(nn.Module):\n"
        "    def forward(self, x):\n        return x.flatten(1)\n\n"
        "    def pair_scores(self, a, b):\n"
        "        return nn.functional.normalize(a, dim=1) @ nn.functional.normalize(b, dim=1).T\n\n"
        "def make():\n    return Verifier()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    model, pixels = main(["--model", "my_verifier:make", "--runs", str(replica.zip_path), "--out", str(tmp_path / "o"),
                          "--baselines", "pixels"])
    assert model.method.description.endswith("its own pair_scores") and model.wrong == pixels.wrong


def test_model_image_size_comes_from_the_checkpoint(embedding_ckpt):
    assert model_image_size(LoadedNet(nn.Flatten(), 0.0, 1.0)) == 28
    assert model_image_size(LoadedNet(nn.Flatten(), 0.0, 1.0, config={"data": {"image_size": 40}})) == 40
    from siamese.models.preprocessing import Preprocessing

    assert model_image_size(LoadedNet(nn.Flatten(), 0.0, 1.0, preprocessing=Preprocessing(size=(56, 56)))) == 56


def test_bad_input_fails_before_scoring(replica, tmp_path, caplog):
    with pytest.raises(SystemExit):
        main(["--runs", str(tmp_path / "nope.zip"), "--out", str(tmp_path / "o"), "--baselines", "pixels"])
    assert "no such runs directory or zip" in caplog.text
    broken = tmp_path / "runs"
    shutil.copytree(replica.directory, broken)
    (broken / "run02" / "training" / "class11.png").unlink()
    with pytest.raises(SystemExit):
        main(["--runs", str(broken), "--out", str(tmp_path / "o")])
    assert "run02/class_labels.txt line" in caplog.text and "class11.png does not exist" in caplog.text
    assert not (tmp_path / "o").exists()  # nothing scored, nothing written
    with pytest.raises(SystemExit):  # argparse: nothing to score
        main(["--runs", str(replica.directory), "--out", str(tmp_path / "o"), "--baselines"])


def test_make_replica_command(tmp_path):
    main(["make-replica", str(tmp_path), "--n-runs", "1", "--n-way", "5"])
    run = read_runs(tmp_path / "all_runs.zip").runs[0]
    assert len(run.candidates) == 5 and sorted(run.answers) == list(range(5))


def test_a_run_directory_scores_its_best_checkpoint(replica, embedding_ckpt, tmp_path):
    run = tmp_path / "run"
    (run / "checkpoints").mkdir(parents=True)
    shutil.copy(embedding_ckpt, run / "checkpoints" / "best-epoch003.ckpt")
    assert run_directory_checkpoint(str(run)) == str(run / "checkpoints" / "best-epoch003.ckpt")
    shutil.copy(embedding_ckpt, run / "checkpoints" / "best-epoch004.ckpt")  # two: the last one instead
    shutil.copy(embedding_ckpt, run / "checkpoints" / "last.ckpt")
    assert run_directory_checkpoint(str(run)) == str(run / "checkpoints" / "last.ckpt")
    results = main(["--model", str(run), "--runs", str(replica.zip_path), "--out", str(tmp_path / "o"), "--baselines"])
    direct = main(["--model", str(embedding_ckpt), "--runs", str(replica.zip_path), "--out", str(tmp_path / "p"),
                   "--baselines"])
    # a checkpoint inside a run directory is named after the run (the review's and the human tables' convention)
    assert [r.method.name for r in results] == ["model:run"] and results[0].wrong == direct[0].wrong
    assert [r.method.name for r in direct] == ["model:random-embedding"]  # outside a run: its task_name
