"""Config values that would train silently wrong fail before training, naming the key and the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from siamese.training import train
from siamese.utils.config_checks import ConfigError

QUICK = ["logger=csv", "data.max_train_samples=300", "data.max_test_samples=200", "~callbacks.embedding_plot",
         "~callbacks.progress_bar", "~callbacks.wandb_embedding_table", "~callbacks.retrieval_metrics"]


@pytest.mark.parametrize(("override", "key", "shown"), [
    ("data.shift.train=no", "data.shift.train", "'no'"),
    ("data.shift.include_unshifted=yes", "data.shift.include_unshifted", "'yes'"),
    ("test=maybe", "test", "'maybe'"),
    ("data.batch_size=1", "data.batch_size", "1"),
    ("data.digits=[4]", "data.digits", "[4]"),
    ("data.max_train_samples=-1", "data.max_train_samples", "-1"),
    ("data.max_train_samples=0", "data.max_train_samples", "0"),
    ("data.max_test_samples=0", "data.max_test_samples", "0"),
    ("optimizer.lr=0", "optimizer.lr", "0"),
    ("optimizer.lr=-0.1", "optimizer.lr", "-0.1"),
    ("optimizer.lr=fast", "optimizer.lr", "'fast'"),
    ("optimizer.weight_decay=-1e-4", "optimizer.weight_decay", "-0.0001"),
    ("loss.margin=abc", "loss.margin", "'abc'"),
    ("data.eval_batch_size=0", "data.eval_batch_size", "0"),
    ("scheduler=step scheduler.step_size=0", "scheduler.step_size", "0"),
    ("scheduler=cosine trainer.max_epochs=0", "scheduler.T_max", "0"),
    ("seed=abc", "seed", "'abc'"),  # was: invalid literal for int() inside seed_everything
    ("trainer.max_epochs=-1", "trainer.max_epochs", "-1"),  # was: trains forever, logging "ETA 0 s"
    ("trainer.max_epochs=2.5", "trainer.max_epochs", "2.5"),
])
def test_values_that_trained_silently_fail_before_training_naming_key_and_value(cfg_factory, override, key, shown):
    cfg = cfg_factory(*QUICK, *override.split())
    with pytest.raises(ConfigError) as info:
        train(cfg)
    assert str(info.value).startswith(f"{key}={shown} ")
    assert not (Path(cfg.paths.output_dir) / "normalization.json").exists()  # no data were even loaded


def test_a_classifier_may_use_any_batch_size_and_the_valid_defaults_pass(cfg_factory):
    from siamese.utils.config_checks import check_training_config

    check_training_config(cfg_factory("task=classify", "data.batch_size=1"))
    check_training_config(cfg_factory("scheduler=step", "data.shift.train=true"))


# ------------------------------------------------------------------ the classes name the parameter, build the key
@pytest.mark.parametrize(("overrides", "build_class", "kwargs", "parameter", "key", "shown"), [
    (["loss.margin=0"], "siamese.losses.ContrastiveLoss", {"margin": 0}, "margin", "loss.margin", "0"),
    (["model.embedding_dim=0"], "siamese.models.EmbeddingNet", {"embedding_dim": 0}, "embedding_dim",
     "model.embedding_dim", "0"),
    (["miner=knn", "miner.k=0"], "siamese.miners.KNNMiner", {"k": 0}, "k", "miner.k", "0"),
    (["miner=random", "miner.num_positives=0"], "siamese.miners.RandomMiner", {"num_positives": 0},
     "num_positives", "miner.num_positives", "0"),
    (["miner=pml", "miner.name=Nope"], "siamese.miners.PMLMiner", {"name": "Nope"}, "name", "miner.name", "'Nope'"),
    (["callbacks.embedding_plot.projection=tsne"], "siamese.callbacks.EmbeddingPlot",
     {"output_dir": ".", "projection": "tsne"}, "projection", "callbacks.embedding_plot.projection", "'tsne'"),
    (["callbacks.embedding_collapse.min_spread=-1"], "siamese.callbacks.EmbeddingCollapse",
     {"min_spread": -1}, "min_spread", "callbacks.embedding_collapse.min_spread", "-1"),
    (["callbacks.wandb_embedding_table.max_rows=0"], "siamese.callbacks.WandbEmbeddingTable",
     {"max_rows": 0}, "max_rows", "callbacks.wandb_embedding_table.max_rows", "0"),
])
def test_a_python_call_names_the_parameter_and_a_config_names_the_key(cfg_factory, overrides, build_class, kwargs,
                                                                      parameter, key, shown):
    import importlib

    from siamese.training import build
    from siamese.utils.parameters import ParameterError

    module, _, name = build_class.rpartition(".")
    with pytest.raises(ParameterError) as direct:
        getattr(importlib.import_module(module), name)(**kwargs)
    assert str(direct.value).startswith(f"{parameter}={shown}: "), str(direct.value)
    with pytest.raises(ConfigError) as configured:
        build(cfg_factory("logger=none", *overrides))
    assert str(configured.value) == str(direct.value).replace(parameter, key, 1)


def test_a_key_that_interpolates_another_is_named_by_the_key_the_user_set():
    from omegaconf import OmegaConf

    from siamese.utils.config_checks import config_keys
    from siamese.utils.parameters import ParameterError

    cfg = OmegaConf.create({"human": {"init_ckpt": "a.ckpt"}, "task": {"init_ckpt": "${human.init_ckpt}", "lr": 1}})
    for parameter, key in (("init_ckpt", "human.init_ckpt"), ("lr", "task.lr")):
        with pytest.raises(ConfigError, match=rf"^{key}='x': bad$"), config_keys("task", cfg):
            raise ParameterError(parameter, "x", "bad")
    with pytest.raises(KeyError), config_keys("task", cfg):  # any other error passes unchanged
        raise KeyError("x")


def test_ckpt_path_last_without_runs_names_paths_task_dir(cfg_factory, tmp_path):
    from siamese.utils.config_checks import ConfigFileError

    with pytest.raises(ConfigFileError, match=r"^paths\.task_dir=.*nowhere: no checkpoints/last.ckpt below it"):
        train(cfg_factory(*QUICK, "ckpt_path=last", f"paths.task_dir={tmp_path / 'nowhere'}"))


def test_a_fractional_count_names_its_key_before_torch_sees_it(cfg_factory):
    """``miner.k=2.5`` failed deep in torch with a TypeError; it is a count."""
    from siamese.training import build

    for overrides, key in ((["miner=knn", "miner.k=2.5"], "miner.k"),
                           (["miner=random", "miner.num_negatives=1.5"], "miner.num_negatives"),
                           (["miner=batch_hard", "miner.warmup_epochs=0.5"], "miner.warmup_epochs")):
        with pytest.raises(ConfigError) as info:
            build(cfg_factory("logger=none", *overrides))
        value = overrides[-1].split("=")[1]
        assert str(info.value) == f"{key}={value}: must be an integer >= {0 if 'warmup' in key else 1}"


def test_zero_epochs_is_said_and_no_limit_needs_max_steps(cfg_factory, caplog):
    from siamese.utils.config_checks import check_training_config

    with caplog.at_level("WARNING", logger="siamese.utils.config_checks"):
        check_training_config(cfg_factory("trainer.max_epochs=0"))
    assert "trainer.max_epochs=0: nothing is trained; validation and test score the initial weights" in caplog.text
    check_training_config(cfg_factory("trainer.max_epochs=-1", "+trainer.max_steps=50"))  # max_steps ends it
