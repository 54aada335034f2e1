"""Config presets: callbacks one yaml each with bundles as defaults lists, the debug/ group, task=classify bringing
its callbacks, and the six shift_* presets sharing experiment/shift_base.yaml with their meaning unchanged."""

import json
from pathlib import Path

import pytest
import torch
import yaml
from omegaconf import OmegaConf

from siamese.config import CONFIG_DIR
from siamese.training import train

CALLBACKS = CONFIG_DIR / "callbacks"
DEFAULT_CALLBACKS = ["model_checkpoint", "last_checkpoint", "epoch_timer", "progress_bar", "epoch_log",
                     "retrieval_metrics", "metrics_history", "embedding_plot", "embedding_collapse",
                     "wandb_embedding_table"]
BUNDLES = {"default", "none", "classify"}  # the other files are one callback each
# one callback + the default bundle
ADD_ONS = {"human_similarity", "alignment_importance", "shift_clusters", "oneshot_error"}
# one callback that also retunes another one's keys (no _target_ of its own there), picked beside a bundle
MODIFIERS = {"human_early_stopping"}

# What each shift preset meant before it was rewritten over shift_base.yaml: its old file as command-line overrides
# (the resolved configs of the old and new files were also diffed once with a snapshot: identical).
SHIFT_COMMON = ["model=small", "callbacks=shift_clusters", "data.digits=[4,9]", "data.shift.train=true",
                "data.shift.train_mode=fixed", "model.embedding_dim=2", "trainer.max_epochs=8",
                "callbacks.embedding_plot.every_n_epochs=4",
                "callbacks.embedding_plot.max_items=null"]  # whole splits for the study
SHIFT_PRESETS = {
    "shift_baseline": ["loss=contrastive", "miner=random", "tags=[shift_study,4v9,contrastive,random]"],
    "shift_knn_regime1": ["loss=contrastive", "miner=knn", "tags=[shift_study,4v9,contrastive,knn]",
                          "miner.negatives=other_class"],
    "shift_knn_regime2": ["loss=contrastive", "miner=knn", "tags=[shift_study,4v9,contrastive,knn]",
                          "miner.negatives=other_class_and_non_neighbors"],
    "shift_knn_triplet": ["loss=triplet", "miner=knn", "tags=[shift_study,4v9,triplet,knn]",
                          "miner.negatives=other_class", "miner.output=triplets"],
    "shift_graded": ["loss=graded", "miner=knn", "tags=[shift_study,4v9,graded,knn]",
                     "miner.negatives=other_class_and_non_neighbors", "miner.num_negatives=2"],
    "shift_batch_hard": ["loss=triplet", "miner=batch_hard", "tags=[shift_study,4v9,triplet,batch_hard]"],
}


def resolved(cfg):
    return OmegaConf.to_container(cfg, resolve=True)


@pytest.mark.parametrize("preset", sorted(SHIFT_PRESETS))
def test_shift_preset_resolves_to_what_its_old_file_said(cfg_factory, preset):
    new = cfg_factory(f"experiment={preset}")
    old = cfg_factory(*SHIFT_COMMON, *SHIFT_PRESETS[preset], f"task_name={preset}")
    assert resolved(new) == resolved(old)
    assert list(new.callbacks) == list(old.callbacks) == [*DEFAULT_CALLBACKS, "shift_clusters"]  # instantiation order


def test_each_shift_preset_is_its_base_plus_loss_miner_and_names():
    for preset in SHIFT_PRESETS:
        text = yaml.safe_load((CONFIG_DIR / "experiment" / f"{preset}.yaml").read_text())
        assert text["defaults"][0] == "shift_base", preset
        assert set(text) <= {"defaults", "task_name", "tags", "miner"}, (preset, set(text))


def test_every_callback_file_is_one_callback_named_like_the_file():
    singles = sorted(p.stem for p in CALLBACKS.glob("*.yaml") if p.stem not in BUNDLES)
    assert sorted(DEFAULT_CALLBACKS + sorted(ADD_ONS) + sorted(MODIFIERS)) == singles
    for name in singles:
        body = {k: v for k, v in yaml.safe_load((CALLBACKS / f"{name}.yaml").read_text()).items() if k != "defaults"}
        assert "_target_" in body[name], name
        retuned = [key for key in body if key != name]
        assert (retuned == []) or (name in MODIFIERS), (name, retuned)
        assert all("_target_" not in body[key] for key in retuned), (name, retuned)  # never a second callback


def test_bundles_are_defaults_lists_of_the_single_files(cfg_factory):
    assert list(cfg_factory("callbacks=default").callbacks) == DEFAULT_CALLBACKS
    assert list(cfg_factory("callbacks=none").callbacks) == ["last_checkpoint"]  # resumable
    for add_on in ADD_ONS:
        assert list(cfg_factory(f"callbacks={add_on}").callbacks) == [*DEFAULT_CALLBACKS, add_on]
    classify = cfg_factory("callbacks=classify").callbacks
    assert list(classify) == ["model_checkpoint", "last_checkpoint", "epoch_timer", "progress_bar", "epoch_log",
                              "metrics_history",
                              "embedding_collapse"]
    assert (classify.model_checkpoint.monitor, classify.model_checkpoint.mode) == ("val/accuracy", "max")
    # a hand-picked list from the single files
    picked = cfg_factory("callbacks=[model_checkpoint,epoch_timer,shift_clusters]").callbacks
    assert sorted(picked) == sorted([*DEFAULT_CALLBACKS, "shift_clusters"])  # an add-on brings the default bundle
    assert list(cfg_factory("callbacks=[model_checkpoint,epoch_timer]").callbacks) == ["model_checkpoint",
                                                                                       "epoch_timer"]


def test_the_callback_overrides_the_docs_use_keep_working(cfg_factory):
    cfg = cfg_factory("callbacks=human_similarity", "callbacks.human_similarity.pairs_dir=P",
                      "callbacks.human_similarity.ratings=R", "callbacks.embedding_plot.every_n_epochs=2",
                      "callbacks.embedding_plot.projection=umap", "~callbacks.progress_bar",
                      "callbacks.model_checkpoint.monitor=human/fc/r", "callbacks.model_checkpoint.mode=max")
    assert cfg.callbacks.human_similarity.pairs_dir == "P" and cfg.callbacks.embedding_plot.every_n_epochs == 2
    assert "progress_bar" not in cfg.callbacks and cfg.callbacks.model_checkpoint.monitor == "human/fc/r"
    align = cfg_factory("callbacks=alignment_importance", "callbacks.alignment_importance.layer=conv1")
    assert align.callbacks.alignment_importance.layer == "conv1"


def test_task_classify_alone_brings_its_callbacks_and_monitor(cfg_factory):
    alone, both = cfg_factory("task=classify"), cfg_factory("task=classify", "callbacks=classify")
    assert resolved(alone) == resolved(both)
    assert alone.task._target_ == "siamese.modules.ClassifierModule" and alone.optimized_metric == "val/accuracy"
    assert alone.callbacks.model_checkpoint.monitor == "val/accuracy" and "retrieval_metrics" not in alone.callbacks
    # what the user types still wins over what the task brings
    assert list(cfg_factory("task=classify", "callbacks=default").callbacks) == DEFAULT_CALLBACKS
    assert list(cfg_factory("task=classify", "callbacks=none").callbacks) == ["last_checkpoint"]


def test_debug_presets_apply_after_experiments(cfg_factory):
    cfg = cfg_factory("experiment=shift_graded", "debug=fdr")
    assert cfg.trainer.fast_dev_run is True and cfg.trainer.max_epochs == 1  # the preset's 8 epochs are overridden
    assert cfg.data.max_train_samples == 400 and cfg.task_name == "debug" and list(cfg.logger) == ["csv"]
    assert cfg.loss._target_.endswith("GradedLoss") and "shift_clusters" in cfg.callbacks  # the experiment stays
    assert list(cfg_factory("debug=fdr", "logger=wandb").logger) == ["wandb"]  # the command line wins
    limit = cfg_factory("debug=limit").trainer
    assert (limit.max_epochs, limit.limit_train_batches, limit.limit_val_batches) == (2, 2, 2)
    overfit = cfg_factory("debug=overfit")
    assert overfit.trainer.overfit_batches == 1 and overfit.test is False
    assert list(overfit.callbacks) == ["last_checkpoint"]


def test_debug_overfit_fits_one_batch(cfg_factory):
    cfg = cfg_factory("debug=overfit")
    metrics = train(cfg)
    assert metrics["epochs"] == 20
    assert metrics["train/loss"] < 0.05, metrics  # one epoch of debug=default ends near 0.2


def test_debug_limit_runs_two_epochs_of_two_batches(cfg_factory):
    cfg = cfg_factory("debug=limit", "~callbacks.embedding_plot", "test=false")
    assert train(cfg)["epochs"] == 2
    run = Path(cfg.paths.output_dir)
    last = torch.load(run / "checkpoints" / "last.ckpt", weights_only=True)
    assert (last["epoch"], last["global_step"]) == (1, 4)  # 2 epochs x limit_train_batches=2
    history = [json.loads(line) for line in (run / "metrics_history.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in history] == [1, 2] and all("val/precision_at_1" in row for row in history)


def test_debug_profiler_writes_the_time_per_hook(cfg_factory):
    cfg = cfg_factory("debug=profiler", "callbacks=none", "test=false")
    train(cfg)
    report = (Path(cfg.paths.output_dir) / "fit-profile.txt").read_text()
    assert "FIT Profiler Report" in report and "run_training_batch" in report and "training_step" in report
