"""The human-alignment study (experiments/human_aligned/run_study.py): its statistics by hand, and one tiny real run
end to end on SYNTHETIC ratings (one grid set-up, the classifier baseline, no fine-tuning)."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from siamese.human.compare.stats import pearson

STUDY = Path(__file__).resolve().parents[2] / "experiments" / "human_aligned" / "run_study.py"


@pytest.fixture(scope="module")
def study():
    spec = importlib.util.spec_from_file_location("run_study", STUDY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seed_mean_r_is_the_mean_of_per_seed_pearson(study):
    rng = np.random.default_rng(0)
    human = rng.normal(size=30)
    sims = np.stack([human + rng.normal(scale=s, size=30) for s in (0.5, 1.0, 2.0)])
    out = study.seed_mean_r(sims, human, n_boot=500)
    per_seed = [pearson(s, human) for s in sims]
    assert out["r"] == pytest.approx(np.mean(per_seed))
    assert out["r_seeds"] == pytest.approx(per_seed)
    assert out["r_sd_seeds"] == pytest.approx(np.std(per_seed, ddof=1))
    assert out["r_ci_low"] < out["r"] < out["r_ci_high"]
    single = study.seed_mean_r(sims[0], human, n_boot=500)
    assert single["r"] == pytest.approx(per_seed[0]) and single["r_sd_seeds"] == 0.0


def test_grid_pairs_the_graded_loss_with_knn_only(study):
    args = study.parse_args(["--out", "x", "--quick", "--losses", "contrastive", "graded", "--miners", "random", "knn",
                             "--dims", "2", "16"])
    names = [s["name"] for s in study.setups(args)]
    assert names == ["contrastive-random-shift0-d2", "contrastive-random-shift0-d16", "contrastive-knn-shift0-d2",
                     "contrastive-knn-shift0-d16", "graded-knn-shift0-d2", "graded-knn-shift0-d16"]
    graded = study.setups(args)[-1]["overrides"]
    assert "miner.negatives=other_class_and_non_neighbors" in graded
    assert args.seeds == study.QUICK["seeds"] and args.epochs == study.QUICK["epochs"]
    with pytest.raises(SystemExit):
        study.parse_args(["--pairs", "somewhere"])  # --pairs without --ratings


@pytest.mark.slow  # two short real trainings, run twice (resume)
def test_tiny_study_end_to_end_on_synthetic_ratings(study, tmp_path, capsys):
    study.main(["--out", str(tmp_path / "study"), "--quick", "--losses", "contrastive", "--miners", "random",
                "--seeds", "0", "--epochs", "1", "--train-samples", "300", "--test-samples", "200", "--skip-align",
                "--per-digit", "6", "--digits", "1", "7"])
    out = tmp_path / "study"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["pairs"] == 12 and "SYNTHETIC" in summary["ratings"]
    layers = {(row["name"], row["layer"]) for row in summary["grid"]}
    assert layers == {("contrastive-random-shift0-d16", layer) for layer in ("conv2", "fc", "embedding")}
    assert {row["layer"] for row in summary["baselines"]} == {"pixels", "conv2", "fc"}
    report = (out / "results.md").read_text()
    assert "(SYNTHETIC)" in report and "--skip-align" in report and (out / "r_by_setup.png").is_file()
    # a second call resumes: the finished runs are not trained again
    stamp = (out / "grid" / "contrastive-random-shift0-d16" / "seed0" / "metrics.json").stat().st_mtime
    study.main(["--out", str(out), "--quick", "--losses", "contrastive", "--miners", "random", "--seeds", "0",
                "--epochs", "1", "--train-samples", "300", "--skip-align", "--per-digit", "6", "--digits", "1", "7"])
    assert (out / "grid" / "contrastive-random-shift0-d16" / "seed0" / "metrics.json").stat().st_mtime == stamp
