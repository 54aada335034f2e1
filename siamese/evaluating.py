"""Test a trained checkpoint with the config stored in it (called by ``eval.py`` / ``siamese-eval``).

``python eval.py ckpt_path=<ckpt file | run dir | last> [key=value ...]`` composes ``conf/eval.yaml`` (the training
defaults, so every key and group can be overridden as in ``train.py``), then runs with the checkpoint's own
resolved config (``checkpoint["siamese_config"]``: the data, net, loss, miner, task and callbacks it was trained
with), changed only where the command line says so, in a new run directory ``outputs/eval/runs/<time>``. Paths of
the training run in the stored config (callback and logger directories) are re-rooted to the new run directory, so
nothing is written into the training run. Writes ``metrics.json`` (the test metrics) and ``run_config.yaml`` (the
config that was used) there.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytorch_lightning as pl
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from siamese.training import build, finish_wandb
from siamese.utils.checkpoints import load_checkpoint, resolve_ckpt_path, stored_run_config
from siamese.utils.config_checks import config_keys
from siamese.utils.files import write_text_atomic

log = logging.getLogger(__name__)

# keys of conf/eval.yaml that configure the evaluation itself, not the model's run config
EVAL_KEYS = ("ckpt_path", "task_name", "paths", "hydra")


def _reroot(node, old: str, new: str):
    """Every string under ``node`` that starts with ``old`` (the training run directory) starts with ``new``."""
    if isinstance(node, dict):
        return {key: _reroot(value, old, new) for key, value in node.items()}
    if isinstance(node, list):
        return [_reroot(value, old, new) for value in node]
    if isinstance(node, str) and old and (node == old or node.startswith(old.rstrip("/") + "/")):
        return new + node[len(old):]
    return node


def override_keys(overrides) -> list[tuple[str, bool]]:
    """``(key, deleted)`` of each command-line override (``+key=v``, ``++key=v``, ``~key``, ``group=choice``)."""
    keys = []
    for item in overrides:
        key = str(item).split("=", 1)[0]
        deleted = key.startswith("~")
        keys.append((key.lstrip("~+"), deleted))
    return keys


def eval_config(cfg: DictConfig, overrides) -> DictConfig:
    """The config to test with: the checkpoint's stored config, re-rooted to ``cfg.paths.output_dir``, with the
    value (or group node) of every overridden key taken from the composed ``cfg`` (deleted for ``~key``), and
    ``paths``/``task_name`` of the evaluation run."""
    with config_keys({"task_dir": "paths.task_dir"}):
        ckpt = resolve_ckpt_path(cfg.ckpt_path, cfg.paths.get("task_dir"))
    if ckpt is None:
        raise ValueError("eval.py needs ckpt_path=<checkpoint file, run directory or last>")
    stored = stored_run_config(load_checkpoint(ckpt), ckpt)
    output_dir = str(cfg.paths.output_dir)
    stored = _reroot(stored, str(stored.get("paths", {}).get("output_dir", "")), output_dir)
    run = OmegaConf.create(stored)
    for key, deleted in override_keys(overrides):
        if key.split(".")[0] in EVAL_KEYS:
            continue
        parent, _, leaf = key.rpartition(".")
        if deleted:
            node = OmegaConf.select(run, parent) if parent else run
            if isinstance(node, DictConfig) and leaf in node:
                del node[leaf]
            continue
        value = OmegaConf.select(cfg, key, throw_on_missing=False)
        OmegaConf.update(run, key, OmegaConf.to_container(value, resolve=True)
                         if isinstance(value, DictConfig) else value, force_add=True, merge=False)
    run.paths = OmegaConf.to_container(cfg.paths, resolve=True)
    run.task_name = cfg.task_name
    run.ckpt_path = ckpt
    return run


def evaluate(cfg: DictConfig, overrides=None) -> dict[str, float]:
    """Test ``cfg.ckpt_path`` (``trainer.test`` with the checkpoint's weights and data-module state) with
    ``eval_config``; writes ``metrics.json`` and ``run_config.yaml`` into ``cfg.paths.output_dir`` and returns
    the test metrics. ``overrides``: the command-line overrides (default: those of the running Hydra job)."""
    if overrides is None:
        overrides = HydraConfig.get().overrides.task if HydraConfig.initialized() else []
    run = eval_config(cfg, overrides)
    log.info("evaluating %s", run.ckpt_path)
    pl.seed_everything(run.seed, workers=True)
    datamodule, module, trainer = build(run)
    try:
        trainer.test(module, datamodule=datamodule, ckpt_path=run.ckpt_path)
        metrics = {key: float(value) for key, value in trainer.callback_metrics.items()}
    finally:
        finish_wandb(trainer)
    output_dir = Path(run.paths.output_dir)
    if trainer.is_global_zero:
        output_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(output_dir / "metrics.json", json.dumps(metrics, indent=2, sort_keys=True))
        write_text_atomic(output_dir / "run_config.yaml", OmegaConf.to_yaml(run))
    log.info("metrics: %s", json.dumps(metrics, sort_keys=True))
    return metrics
