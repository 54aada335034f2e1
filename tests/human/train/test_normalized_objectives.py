"""Per-rater normalization in human-aligned training and align-cv: the training objective's
targets by hand, the align-cv overrides reaching the composed training config, the outputs naming the
normalization, and invalid values refused early with the key and value named."""

import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest
from hydra.utils import instantiate

from siamese.config import compose_config
from siamese.human.train.fine_tune_cv import _report, run_alignment_cv, training_overrides
from siamese.human.train.losses import PairRankingLoss
from siamese.human.train.objectives import rated_pairs_from_files

STUDY = Path(__file__).resolve().parents[3] / "experiments" / "human_aligned" / "run_study.py"

# rater a: p0..p3 = 2, 4, 4, 10 (mean 5, population sd 3 -> -1, -1/3, -1/3, 5/3)
# rater b: p0, p1 = 1, 3 (mean 2, sd 1 -> -1, 1); p2, p3 not rated
# rater c: 5, 5, 5, 9 (excluded by human.raters in the tests that name raters)
RATINGS = {"a": [2, 4, 4, 10], "b": [1, 3, None, None], "c": [5, 5, 5, 9]}


def write_tiny_set(directory: Path, ratings=RATINGS) -> tuple[str, str]:
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(2, 4, 28, 28), dtype=np.uint8)
    np.savez(directory / "pairs.npz", images_a=images[0], images_b=images[1],
             pair_id=np.array([f"p{k}" for k in range(4)]))
    lines = ["rater,pair_id,rating"] + [f"{rater},p{k},{value}" for rater, values in ratings.items()
                                        for k, value in enumerate(values) if value is not None]
    (directory / "ratings.csv").write_text("\n".join(lines) + "\n")
    return str(directory), str(directory / "ratings.csv")


def targets(pairs_dir, ratings, **kwargs) -> np.ndarray:
    return rated_pairs_from_files(pairs_dir, ratings, PairRankingLoss(), **kwargs).ratings.numpy()


def test_zscore_is_per_rater_before_averaging(tmp_path):
    pairs_dir, ratings = write_tiny_set(tmp_path)
    # mean over a and b of the z-scores: p0 (-1 - 1) / 2, p1 (-1/3 + 1) / 2, p2 -1/3, p3 5/3
    np.testing.assert_allclose(targets(pairs_dir, ratings, raters=["a", "b"], normalize="zscore"),
                               [-1, 1 / 3, -1 / 3, 5 / 3], rtol=1e-6)
    np.testing.assert_allclose(targets(pairs_dir, ratings, raters=["a", "b"]), [1.5, 3.5, 4, 10])  # default none
    # rank: a (0, 0.5, 0.5, 1), b (0, 1)
    np.testing.assert_allclose(targets(pairs_dir, ratings, raters=["a", "b"], normalize="rank"),
                               [0, 0.75, 0.5, 1])


def test_zscore_reads_only_the_training_pairs_ratings(tmp_path):
    pairs_dir, ratings = write_tiny_set(tmp_path / "one")
    # rater a on the training pairs p0, p1, p3: 2, 4, 10 -> mean 16/3, sd sqrt(((10/3)^2 + (4/3)^2 + (14/3)^2) / 3)
    sd = math.sqrt((100 + 16 + 196) / 27)
    expected = [(2 - 16 / 3) / sd, (4 - 16 / 3) / sd, (10 - 16 / 3) / sd]
    got = targets(pairs_dir, ratings, raters=["a"], train_pairs=["p0", "p1", "p3"], normalize="zscore")
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    # the held-out pair's rating takes no part: changing it leaves the targets as they were
    other = {**RATINGS, "a": [2, 4, 1, 10]}
    pairs_dir, ratings = write_tiny_set(tmp_path / "two", other)
    np.testing.assert_allclose(targets(pairs_dir, ratings, raters=["a"], train_pairs=["p0", "p1", "p3"],
                                       normalize="zscore"), expected, rtol=1e-6)


def test_align_cv_overrides_reach_the_composed_training_objective(tmp_path):
    pairs_dir, ratings = write_tiny_set(tmp_path)
    overrides = training_overrides("human_aligned", pairs_dir, ratings, "fc", ["a", "b"], 0, normalize="zscore")
    assert "human.normalize=zscore" in overrides
    for experiment in ("human_aligned", "human_aligned_classifier"):
        cfg = compose_config([f"experiment={experiment}", *overrides[1:]], output_dir=tmp_path / "run")
        assert cfg.human.normalize == "zscore" and cfg.task.human_objective.normalize == "zscore"
        objective = instantiate(cfg.task.human_objective)
        np.testing.assert_allclose(objective.ratings.numpy(), [-1, 1 / 3, -1 / 3, 5 / 3], rtol=1e-6)
    assert compose_config(["experiment=human_aligned"]).human.normalize == "none"  # the default


def test_align_cv_report_names_the_normalization():
    arm = {"r": 0.5, "r_ci_low": 0.1, "r_ci_high": 0.8, "rho": 0.4, "rho_ci_low": 0.0, "rho_ci_high": 0.7,
           "r_p": 0.01, "precision_at_1": 0.9, "accuracy": float("nan")}
    summary = {"folds": 2, "pairs": 4, "layer": "fc", "weight": 1.0, "init_ckpt": None, "experiment": "human_aligned",
               "train_layers": None, "lr": None, "val_fraction": 0.0, "raters_train": ["a"], "normalization": "rank",
               "normalization_description": "rater normalization: rank (ranked within each rater (ties: average "
                                            "rank), scaled to 0-1)",
               "without": arm, "with": arm, "cost": {"precision_at_1": 0.0, "accuracy": float("nan")},
               "cost_reference": "without", "ceiling_loo_r": 0.7, "ceiling_split_half_r": 0.8}
    text = _report(summary, ["without", "with"], False, ["a"])
    assert "rater normalization: rank (ranked within each rater" in text


def test_invalid_normalization_is_refused_early_naming_key_and_value(tmp_path, capsys):
    pairs_dir, ratings = write_tiny_set(tmp_path)
    with pytest.raises(ValueError, match=r"human\.normalize='zcore'.*zscore"):
        targets(pairs_dir, ratings, normalize="zcore")
    # before any file is read or training starts: the paths do not exist
    with pytest.raises(ValueError, match=r"normalize='zcore'"):  # the library names its parameter
        run_alignment_cv(str(tmp_path / "missing"), str(tmp_path / "missing.csv"), str(tmp_path / "out"),
                         normalize="zcore")
    from siamese.human.__main__ import main as human_main

    with pytest.raises(SystemExit):
        human_main(["align-cv", "--pairs", pairs_dir, "--ratings", ratings, "--out", str(tmp_path / "cv"),
                    "--normalize", "zcore"])
    err = capsys.readouterr().err
    assert "--normalize" in err and "'zcore'" in err
    assert not (tmp_path / "cv").exists()


def test_study_passes_normalize_to_every_part_and_documents_it(capsys):
    spec = importlib.util.spec_from_file_location("run_study", STUDY)
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    assert study.parse_args([]).normalize == "none"
    assert study.parse_args(["--normalize", "rank"]).normalize == "rank"
    with pytest.raises(SystemExit):
        study.parse_args(["--normalize", "zcore"])
    assert "'zcore'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        study.parse_args(["--help"])
    assert "--normalize" in capsys.readouterr().out


def test_study_hands_its_normalize_value_to_align_cv_and_the_readouts(tmp_path):
    spec = importlib.util.spec_from_file_location("run_study", STUDY)
    study = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(study)
    pairs_dir, ratings = write_tiny_set(tmp_path / "pairs")
    args = study.parse_args(["--quick", "--normalize", "zscore"])
    # resuming an align-cv comparison made with another normalization is refused, naming both
    done = tmp_path / "out" / "align_cv" / "classifier"
    done.mkdir(parents=True)
    (done / "summary.json").write_text('{"normalization": "none"}')
    with pytest.raises(SystemExit, match="--normalize none.*--normalize zscore"):
        study.run_alignment(args, tmp_path / "out", pairs_dir, ratings, {"classifier": Path("c.ckpt")}, [])
    # the value itself reaches run_alignment_cv and normalize_ratings (a bad one, set past argparse, is refused
    # there before any training or net loading)
    args.normalize = "zcore"
    with pytest.raises(ValueError, match="normalize='zcore'"):
        study.run_alignment(args, tmp_path / "out", pairs_dir, ratings, {"fresh": Path("c.ckpt")}, [])
    with pytest.raises(ValueError, match="'zcore'"):
        study.run_readouts(args, pairs_dir, ratings, {"fresh": Path("c.ckpt")})
