"""Fine-tuning with the human objective: load a classifier by layer name, freeze layers, keep the classifier's own
loss, stop early on inner-validation pairs, and compare start / without / with in align-cv (real MNIST, real
Lightning trainer; the ratings are SYNTHETIC, pixel cosine + noise)."""

import json

import numpy as np
import pytest
import torch

from siamese.human.train.losses import PairRankingLoss
from siamese.human.train.objectives import rated_pairs_from_files
from siamese.models import ClassifierNet
from siamese.models.init_weights import checkpoint_net_weights, load_weights_by_name
from siamese.training import train

QUICK = ("logger=none", "data.max_train_samples=300", "data.max_test_samples=200", "data.batch_size=50",
         "+trainer.enable_progress_bar=false", "~callbacks.progress_bar")
METRIC = ("~callbacks.embedding_plot", "~callbacks.retrieval_metrics")  # metric-learning bundles only


@pytest.fixture(scope="module")
def classifier_ckpt(quick_classifier_run):
    """A real task=classify checkpoint: the session's quick classifier run (``tests/conftest.py``)."""
    metrics, ckpt = quick_classifier_run
    assert metrics["val/accuracy"] > 0.7  # a classifier worth keeping
    return ckpt


@pytest.fixture(scope="module")
def rated_pairs(tmp_path_factory):
    from siamese.human.collect.pairs import make_pairs
    from siamese.human.compare.synthetic import synthetic_ratings

    directory = tmp_path_factory.mktemp("pairs") / "eights"
    pairs = make_pairs(directory, n=24, digit=8, seed=0)
    return directory, synthetic_ratings(pairs, directory / "ratings_synthetic.csv", 3, 1.0, 0)


def test_classifier_loads_into_an_embedding_head_by_layer_name(classifier_ckpt):
    source = checkpoint_net_weights(classifier_ckpt)
    torch.manual_seed(0)
    net = ClassifierNet(embedding_dim=16)
    fresh_head = net.stages.embedding.weight.detach().clone()
    report = load_weights_by_name(net, classifier_ckpt)
    assert report.layers_loaded == ["conv1", "conv2", "fc"]
    assert report.layers_not_loaded == ["embedding"]
    assert set(report.not_loaded) == {"stages.embedding.weight", "stages.embedding.bias"}
    assert report.unused == ["stages.logits.weight", "stages.logits.bias"]
    for name, tensor in net.state_dict().items():
        if name.startswith(("stages.conv", "stages.fc")):
            assert torch.equal(tensor, source[name]), name
    assert torch.equal(net.stages.embedding.weight, fresh_head)  # the new head keeps its init

    same = ClassifierNet(num_classes=10)
    assert load_weights_by_name(same, classifier_ckpt).not_loaded == {}
    wider = ClassifierNet(num_classes=12)  # same name, other shape: reported, not loaded
    assert "shape (10, 50) in the checkpoint" in load_weights_by_name(wider, classifier_ckpt).not_loaded[
        "stages.logits.weight"]


def test_nothing_matching_is_an_error_naming_the_key(classifier_ckpt):
    from siamese.models import EmbeddingNet

    with pytest.raises(ValueError, match="ckpt_path=.*no tensor of the checkpoint matches"):
        load_weights_by_name(EmbeddingNet(embedding_dim=2), classifier_ckpt)


def test_inner_validation_split_is_disjoint_and_seeded(rated_pairs):
    directory, ratings = rated_pairs
    objective = rated_pairs_from_files(str(directory), str(ratings), PairRankingLoss(), "fc", val_fraction=0.25,
                                       val_seed=3)
    assert len(objective.ratings) == 18 and len(objective.validation.ratings) == 6
    train_images = {bytes(x) for x in objective.raw_a.numpy()}
    assert not train_images & {bytes(x) for x in objective.validation.raw_a.numpy()}
    again = rated_pairs_from_files(str(directory), str(ratings), PairRankingLoss(), "fc", val_fraction=0.25,
                                   val_seed=3)
    assert torch.equal(again.validation.ratings, objective.validation.ratings)
    with pytest.raises(ValueError, match="human.val_fraction"):
        rated_pairs_from_files(str(directory), str(ratings), PairRankingLoss(), "fc", val_fraction=1.0)


def test_classifier_finetune_keeps_cross_entropy_trains_only_chosen_layers(classifier_ckpt, rated_pairs, cfg_factory):
    from siamese.training import build

    directory, ratings = rated_pairs
    cfg = cfg_factory("experiment=human_aligned_classifier", f"human.pairs={directory}", f"human.ratings={ratings}",
                      f"human.init_ckpt={classifier_ckpt}", "human.train_layers=[fc,logits]", "human.weight=2",
                      "human.val_fraction=0.25", "trainer.max_epochs=2", "test=false", *QUICK)
    datamodule, module, trainer = build(cfg)
    assert type(module).__name__ == "HumanAlignedClassifierModule"
    before = {k: v.clone() for k, v in module.net.state_dict().items()}
    assert all(torch.equal(before[k], v) for k, v in checkpoint_net_weights(classifier_ckpt).items())
    trainer.fit(module, datamodule=datamodule)
    after = module.net.state_dict()
    for name, value in before.items():
        frozen = name.startswith(("stages.conv1", "stages.conv2"))
        assert torch.equal(value, after[name]) == frozen, name
    optimizer = trainer.optimizers[0]
    assert sum(p.numel() for g in optimizer.param_groups for p in g["params"]) == sum(
        p.numel() for name, p in module.net.named_parameters() if name.startswith(("stages.fc", "stages.logits")))
    logged = trainer.callback_metrics
    assert {"train/task_loss", "train/human_loss", "val/human_score", "val/accuracy"} <= set(logged)
    assert float(logged["val/accuracy"]) > 0.7  # the cross-entropy term keeps the classes


def test_early_stopping_on_the_inner_validation_score(rated_pairs, cfg_factory):
    """Only the embedding layer trains and the score is read at fc (below it), so the inner-validation score never
    improves: patience 1 stops the run after 2 of 6 epochs."""
    directory, ratings = rated_pairs
    cfg = cfg_factory("experiment=human_aligned", f"human.pairs={directory}", f"human.ratings={ratings}",
                      "human.val_fraction=0.25", "callbacks=[default,human_early_stopping]", "model=small",
                      "callbacks.human_early_stopping.patience=1", "human.train_layers=[embedding]", "human.layer=fc",
                      "trainer.max_epochs=6",
                      "test=false", *METRIC, *QUICK)
    metrics = train(cfg)
    assert metrics["epochs"] == 2.0
    assert "val/human_score" in metrics


@pytest.mark.slow  # five short training runs (start + 2 folds x 2 arms)
def test_align_cv_from_a_classifier_reports_start_without_with_and_the_cost(classifier_ckpt, rated_pairs, tmp_path,
                                                                          capsys):
    from siamese.human.__main__ import main as human_main

    directory, ratings = rated_pairs
    code = human_main(["align-cv", "--pairs", str(directory), "--ratings", str(ratings), "--out", str(tmp_path / "cv"),
                       "--folds", "2", "--init-ckpt", str(classifier_ckpt), "--train-layers", "fc", "logits",
                       "--lr", "1e-4", "--val-fraction", "0.25", "trainer.max_epochs=1", *QUICK])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((tmp_path / "cv" / "summary.json").read_text())
    assert summary["experiment"] == "human_aligned_classifier"
    assert summary["init_report"]["layers_not_loaded"] == []
    for arm in ("start", "without", "with"):
        assert summary[arm]["n_pairs"] == 24
    assert summary["cost"]["accuracy"] == pytest.approx(summary["start"]["accuracy"] - summary["with"]["accuracy"])
    assert np.isfinite(summary["start"]["accuracy"]) and summary["cost_reference"] == "start"
    assert all(np.isfinite(summary[arm]["precision_at_1"]) for arm in ("start", "without", "with"))
    report = (tmp_path / "cv" / "alignment_cv.md").read_text()
    assert "SYNTHETIC" in report and "start (checkpoint, untrained)" in report
