"""Human-aligned training on SYNTHETIC ratings: the objective must raise held-out alignment; folds never leak."""

import numpy as np
import pytest
import torch

from siamese.data import load_mnist
from siamese.evaluation.folds import pair_kfold as pair_folds
from siamese.human.compare.similarity import layer_similarity
from siamese.human.train.fine_tune_cv import heldout_correlation
from siamese.human.train.human_aligned_module import HumanAlignedModule
from siamese.human.train.losses import CorrelationLoss
from siamese.human.train.objectives import RatedPairsObjective
from siamese.models.loading import LoadedNet
from siamese.training import build


def synthetic_ink_pairs(n_pairs=160, seed=0):
    """SYNTHETIC ratings (no person gave them): pairs of distinct MNIST test 4s/9s of the same digit, rated
    1 + 9 * (1 - |ink_a - ink_b| / max gap), with ink = mean pixel value; ratings depend on a known image feature."""
    images, labels = load_mnist("test")
    rng = np.random.default_rng(seed)
    pairs = []
    for digit in (4, 9):
        pool = rng.permutation(np.flatnonzero(labels.numpy() == digit))[: n_pairs]
        pairs.append(pool.reshape(-1, 2))
    pairs = np.concatenate(pairs)
    ink = images.float().mean(dim=(1, 2)).numpy()
    gap = np.abs(ink[pairs[:, 0]] - ink[pairs[:, 1]])
    return images, pairs, 1 + 9 * (1 - gap / gap.max())


def test_folds_hold_out_every_pair_once_and_never_share_images():
    pairs = np.array([[0, 1], [1, 2], [3, 4], [5, 6], [7, 8], [9, 10], [11, 12]])  # pairs 0-1 share image 1
    folds = pair_folds(pairs, k=3, seed=0)
    heldout = np.concatenate([test for _, test in folds])
    assert sorted(heldout.tolist()) == list(range(7))
    for train, test in folds:
        assert not set(train) & set(test)
        assert not set(pairs[train].ravel()) & set(pairs[test].ravel())


@pytest.mark.slow  # two 4-epoch trainings compared (78 s on 2 cores): a study of the objective, not a unit test
def test_alignment_objective_raises_heldout_r_on_synthetic_ratings(cfg_factory):
    images, pairs, ratings = synthetic_ink_pairs()
    train_rows, heldout_rows = pair_folds(pairs, k=4, seed=0)[0]
    results = {}
    for weight in (0.0, 2.0):
        cfg = cfg_factory("debug=default", "logger=none", "callbacks=none", "data.max_train_samples=600",
                          "trainer.max_epochs=4", "+trainer.enable_progress_bar=false", "test=false")
        datamodule, module, trainer = build(cfg)
        objective = RatedPairsObjective(images[pairs[train_rows, 0]], images[pairs[train_rows, 1]],
                                        ratings[train_rows], CorrelationLoss(), layer="fc")
        aligned = HumanAlignedModule(module.net, module.loss, module.miner, module.optimizer_factory,
                                     human_objective=objective, human_weight=weight)
        torch.manual_seed(0)
        trainer.fit(aligned, datamodule=datamodule)
        model = LoadedNet(aligned.net, datamodule.mean, datamodule.std)
        side = lambda k: images[pairs[heldout_rows, k]]  # noqa: E731
        sim = layer_similarity(model, side(0), side(1), ["fc"])["fc"]
        results[weight] = heldout_correlation(sim, ratings[heldout_rows])["r"]
    assert results[2.0] > results[0.0] + 0.15, results
    assert results[2.0] > 0.5, results


def test_align_cv_command_pools_heldout_pairs_of_every_fold(tmp_path, capsys, caplog):
    import json
    import logging

    caplog.set_level(logging.INFO, logger="siamese.human.train.fine_tune_cv")

    from siamese.human.__main__ import main as human_main
    from siamese.human.collect.pairs import make_pairs
    from siamese.human.compare.synthetic import synthetic_ratings

    pairs = make_pairs(tmp_path / "nines", n=24, digit=9, seed=0)
    ratings = synthetic_ratings(pairs, tmp_path / "nines" / "ratings_synthetic.csv", 4, 1.0, 0)
    code = human_main(["align-cv", "--pairs", str(tmp_path / "nines"), "--ratings", str(ratings), "--out",
                       str(tmp_path / "cv"), "--folds", "2", "--holdout-raters", "data.max_train_samples=200",
                       "data.max_test_samples=100", "trainer.max_epochs=1", "~callbacks.embedding_plot",
                       "~callbacks.human_similarity"])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((tmp_path / "cv" / "summary.json").read_text())
    assert summary["with"]["n_pairs"] == summary["without"]["n_pairs"] == 24  # every pair held out once
    assert not set(summary["raters_train"]) & set(summary["raters_eval"]) and len(summary["raters_eval"]) == 2
    folds = (tmp_path / "cv" / "folds.csv").read_text().splitlines()[1:]
    assert sorted(int(row.split(",")[3]) for row in folds if ",with," in row) == [12, 12]
    assert "SYNTHETIC" in (tmp_path / "cv" / "alignment_cv.md").read_text()
    # progress without a terminal: fold k/K per arm
    for fold in (1, 2):
        for arm in ("without", "with"):
            assert f"align-cv: fold {fold}/2, arm {arm} (" in caplog.text
            assert f"align-cv: fold {fold}/2, arm {arm} done" in caplog.text
