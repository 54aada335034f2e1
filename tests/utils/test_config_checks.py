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
