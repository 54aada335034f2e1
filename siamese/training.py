"""Build everything from the Hydra config, fit, test, and return the metrics (called by ``train.py``)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytorch_lightning as pl
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from siamese.modules.from_config import build_module
from siamese.utils.checkpoints import resolve_ckpt_path
from siamese.utils.distributed import ddp_children_run_this_job
from siamese.utils.files import write_text_atomic

log = logging.getLogger(__name__)
# pml logs every k-NN call and faiss every optional CPU extension it could not load: noise in a run's log.
logging.getLogger("PML").setLevel(logging.WARNING)
logging.getLogger("faiss.loader").setLevel(logging.WARNING)


def instantiate_group(group: DictConfig | None) -> list:
    """Instantiate every ``_target_`` entry of a config group that holds several (callbacks, loggers)."""
    if not group:
        return []
    return [instantiate(node) for node in group.values() if isinstance(node, DictConfig) and "_target_" in node]


def build(cfg: DictConfig):
    """config -> data module -> model + loss + miner -> Lightning module -> callbacks, loggers, trainer."""
    datamodule = instantiate(cfg.data)
    miner = instantiate(cfg.miner)
    if miner is not None and miner.batch_sampler is not None:  # KNNMiner needs particular batches
        if cfg.get("sampler"):
            raise ValueError(f"sampler={cfg.sampler._target_.rsplit('.', 1)[-1]} and miner "
                             f"{type(miner).__name__} both choose the train batches; drop one of them")
        datamodule.batch_sampler = miner.batch_sampler
    elif cfg.get("sampler"):  # sampler=m_per_class: a partial (dataset, batch_size) -> batch sampler
        datamodule.batch_sampler = instantiate(cfg.sampler)
    module = build_module(cfg, miner=miner)
    callbacks = instantiate_group(cfg.get("callbacks"))
    loggers = instantiate_group(cfg.get("logger"))
    trainer = instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False)
    return datamodule, module, trainer


def train(cfg: DictConfig) -> dict[str, float]:
    """Fit (resuming from ``cfg.ckpt_path`` if set: a file, a run directory or ``last``, see
    ``siamese.utils.checkpoints.resolve_ckpt_path``), optionally test the best checkpoint, write
    ``metrics.json`` into the run directory and return all logged metrics as floats."""
    ckpt_path = resolve_ckpt_path(cfg.get("ckpt_path"), cfg.paths.get("task_dir"))
    if ckpt_path:
        log.info("resuming from %s", ckpt_path)
    pl.seed_everything(cfg.seed, workers=True)
    datamodule, module, trainer = build(cfg)
    for logger in trainer.loggers:
        logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True))
    try:
        with ddp_children_run_this_job():
            trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
            metrics = {k: float(v) for k, v in trainer.callback_metrics.items()}
            if cfg.get("test"):
                best = getattr(trainer.checkpoint_callback, "best_model_path", "") or None
                trainer.test(module, datamodule=datamodule, ckpt_path=best)
                metrics.update({k: float(v) for k, v in trainer.callback_metrics.items()})
    except FloatingPointError as error:  # NaN/inf loss (MetricLearningModule.training_step): say so in train.log
        log.error("run stopped: %s", error)
        raise
    finally:
        finish_wandb(trainer)
    metrics["epochs"] = float(trainer.current_epoch)
    output_dir = Path(cfg.paths.output_dir)
    if trainer.is_global_zero:  # one writer under DDP
        output_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(output_dir / "metrics.json", json.dumps(metrics, indent=2, sort_keys=True))
    log.info("metrics: %s", json.dumps(metrics, sort_keys=True))
    return metrics


def finish_wandb(trainer) -> None:
    """Close the wandb run so the next run of a multirun gets its own."""
    if any(type(logger).__name__ == "WandbLogger" for logger in trainer.loggers):
        import wandb

        wandb.finish()


def metric_value(metrics: dict[str, float], name: str | None) -> float | None:
    if not name:
        return None
    if name not in metrics:
        raise KeyError(f"optimized_metric={name!r} was not logged; logged metrics: {sorted(metrics)}")
    return metrics[name]
