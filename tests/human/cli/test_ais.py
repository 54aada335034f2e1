"""``python -m siamese.human ais`` end to end on a real (tiny) checkpoint, real MNIST pairs and SYNTHETIC ratings."""

import json

import numpy as np
import pytest

from siamese.human.__main__ import main as human_main
from siamese.human.collect.pairs import make_pairs
from siamese.human.compare.synthetic import synthetic_ratings
from siamese.training import train


@pytest.fixture(scope="module")
def tiny_classifier_ckpt(quick_classifier_run):
    """A real task=classify checkpoint: the session's quick classifier run (``tests/conftest.py``)."""
    return quick_classifier_run[1]


def test_ais_command_writes_tables_cv_and_figures(tiny_classifier_ckpt, tmp_path, capsys):
    pairs = make_pairs(tmp_path / "eights", n=40, digit=8, seed=0)
    ratings = synthetic_ratings(pairs, tmp_path / "eights" / "ratings_synthetic.csv", 4, 1.0, 0)
    out = tmp_path / "ais"
    code = human_main(["ais", "--ckpt", str(tiny_classifier_ckpt), "--layer", "conv2", "--pairs",
                       str(tmp_path / "eights"), "--ratings", str(ratings), "--repeats", "4", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["maps"] == 20 and summary["pairs"] == 40 and summary["repeats"] == 4 and summary["synthetic"]
    assert 1 <= summary["num_selected"] <= 20
    table = (out / "ais.csv").read_text().splitlines()
    assert table[0] == "map,ais,rank,in_selected" and len(table) == 21
    assert sorted(int(line.split(",")[2]) for line in table[1:]) == list(range(1, 21))
    assert "SYNTHETIC" in (out / "ais.md").read_text() and "paired t" in (out / "cv.md").read_text()
    for figure in ("ais_bars.png", "heatmaps.png"):
        assert (out / figure).stat().st_size > 5000


def test_ais_command_names_missing_inputs(tiny_classifier_ckpt, tmp_path, capsys):
    code = human_main(["ais", "--ckpt", str(tiny_classifier_ckpt), "--pairs", str(tmp_path), "--out", str(tmp_path)])
    assert code == 2 and "--pairs needs --ratings" in capsys.readouterr().err


def test_ais_command_on_own_images_with_a_torchvision_model(tmp_path, capsys):
    import torch
    import torchvision

    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, size=(30, 32, 32, 3), dtype=np.uint8)  # SYNTHETIC images and matrix
    np.savez(tmp_path / "synthetic_images.npz", images=images, image_id=np.arange(30))
    matrix = rng.random((30, 30))
    np.save(tmp_path / "similarity_synthetic.npy", (matrix + matrix.T) / 2)
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), tmp_path / "resnet18.pt")
    code = human_main(["ais", "--model", "resnet18", "--weights", str(tmp_path / "resnet18.pt"), "--layer", "layer3",
                       "--images", str(tmp_path / "synthetic_images.npz"), "--similarity",
                       str(tmp_path / "similarity_synthetic.npy"), "--size", "64", "--repeats", "2",
                       "--out", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["maps"] == 256


def test_alignment_importance_callback_logs_during_training(cfg_factory, tmp_path):
    pairs = make_pairs(tmp_path / "eights", n=30, digit=8, seed=1)
    ratings = synthetic_ratings(pairs, tmp_path / "eights" / "ratings_synthetic.csv", 3, 1.0, 0)
    cfg = cfg_factory("callbacks=alignment_importance",
                      f"callbacks.alignment_importance.pairs_dir={tmp_path / 'eights'}",
                      f"callbacks.alignment_importance.ratings={ratings}",
                      "callbacks.alignment_importance.cv_repeats=3",
                      "debug=default", "data.max_test_samples=100", "test=false", "~callbacks.embedding_plot")
    metrics = train(cfg)
    assert -1 <= metrics["ais/conv2/rho_all"] <= metrics["ais/conv2/rho_selected"] <= 1
    assert 1 <= metrics["ais/conv2/num_selected"] <= 64 and "ais/conv2/heldout_gain" in metrics
    assert metrics["ais/SYNTHETIC"] == 1  # the ratings file's synthetic column, carried to the logged metrics
