"""Every config choice composes; unknown choices and invalid values fail before training, naming key and value."""

from pathlib import Path

import pytest
from hydra.errors import ConfigCompositionException, InstantiationException
from omegaconf import OmegaConf

from siamese.config import CONFIG_DIR
from siamese.training import build

GROUPS = sorted(p.name for p in CONFIG_DIR.iterdir() if p.is_dir() and p.name != "hydra")


def choices(group):
    return sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))


@pytest.mark.parametrize("group,choice", [(g, c) for g in GROUPS for c in choices(g)])
def test_every_choice_composes_and_resolves(cfg_factory, group, choice):
    cfg = cfg_factory(f"{group}={choice}")
    resolved = OmegaConf.to_container(cfg, resolve=True)
    assert resolved["paths"]["output_dir"].endswith("run")


def test_unknown_choice_lists_the_options(cfg_factory):
    with pytest.raises(ConfigCompositionException) as info:
        cfg_factory("loss=nope")
    message = str(info.value)
    assert "nope" in message and "contrastive" in message and "triplet" in message


@pytest.mark.parametrize("override,key,value", [
    ("loss.margin=0", "loss.margin", "0"),
    ("loss.margin=-1", "loss.margin", "-1"),
    ("data.digits=[4,10]", "data.digits", "10"),
    ("data.digits=[]", "data.digits", "[]"),
    ("model.embedding_dim=0", "model.embedding_dim", "0"),
    ("data.shift.values=[-6,5.5]", "data.shift.values", "5.5"),
    ("data.shift.values=[0,3]", "data.shift.values", "0"),
    ("data.shift.values=[30]", "data.shift.values", "30"),
])
def test_invalid_value_fails_before_training_naming_key_and_value(cfg_factory, tmp_path, override, key, value):
    cfg = cfg_factory("logger=csv", override)
    with pytest.raises((InstantiationException, ValueError)) as info:
        build(cfg)
    message = str(info.value)
    assert key in message and value in message, message
    assert not (Path(cfg.paths.output_dir) / "checkpoints").exists()


def test_experiment_preset_overrides_groups(cfg_factory):
    cfg = cfg_factory("experiment=lab12_4v9")
    assert cfg.task_name == "lab12_4v9"
    assert cfg.model.channels == [16, 64] and list(cfg.data.digits) == [4, 9]
