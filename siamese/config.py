"""Compose the training config outside ``train.py`` (tests, notebooks, scripts) with Hydra's compose API."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, open_dict

CONFIG_DIR = Path(__file__).resolve().parents[1] / "conf"


def compose_config(overrides: Sequence[str] = (), output_dir: str | Path | None = None,
                   config_name: str = "train") -> DictConfig:
    """The config ``python train.py <overrides>`` would run with; the run directory is ``output_dir``."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name=config_name, overrides=list(overrides), return_hydra_config=True)
    if output_dir is not None:
        with open_dict(cfg):
            cfg.hydra.runtime.output_dir = str(output_dir)
    HydraConfig.instance().set_config(cfg)  # lets ${hydra:...} interpolations resolve
    with open_dict(cfg):
        del cfg["hydra"]  # as in train.py, where the job's config has no hydra node
    return cfg
