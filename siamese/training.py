"""Build everything from the Hydra config, fit, test, and return the metrics (called by ``train.py``)."""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import pytorch_lightning as pl
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf, open_dict

from siamese.callbacks.logged_metrics import expected_metrics
from siamese.callbacks.random_states import RandomStates
from siamese.modules.from_config import build_module
from siamese.utils.checkpoint_io import AtomicCheckpointIO
from siamese.utils.checkpoints import (
    CheckpointError,
    config_differences,
    load_checkpoint,
    resolve_ckpt_path,
    run_dir_of,
)
from siamese.utils.config_checks import ConfigError, check_training_config, config_keys
from siamese.utils.distributed import ddp_children_run_this_job
from siamese.utils.files import write_text_atomic

log = logging.getLogger(__name__)
# pml logs every k-NN call and faiss every optional CPU extension it could not load: noise in a run's log.
logging.getLogger("PML").setLevel(logging.WARNING)
logging.getLogger("faiss.loader").setLevel(logging.WARNING)
# Lightning 2.6 advertises litlogger on every run and warns twice about its own use of torch's LeafSpec: noise
# in every log (not the user's to fix).
logging.getLogger("pytorch_lightning.utilities.rank_zero").addFilter(
    lambda record: not str(record.msg).startswith("\N{ELECTRIC LIGHT BULB} Tip:"))
warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)` is deprecated")


def instantiate_group(group: DictConfig | None, key: str) -> list:
    """Instantiate every ``_target_`` entry of the config group ``key`` that holds several (callbacks, loggers);
    a bad argument is named by its config key (``callbacks.<name>.<parameter>``)."""
    built = []
    for name, node in (group or {}).items():
        if isinstance(node, DictConfig) and "_target_" in node:
            with config_keys(f"{key}.{name}"):
                built.append(instantiate(node))
    return built


def build(cfg: DictConfig):
    """config -> data module -> model + loss + miner -> Lightning module -> callbacks, loggers, trainer. A bad
    argument of any of them is a ``ConfigError`` naming its config key (``config_keys``)."""
    with config_keys("data"):
        datamodule = instantiate(cfg.data)
    with config_keys("miner"):
        miner = instantiate(cfg.miner)
    if miner is not None and miner.batch_sampler is not None:  # KNNMiner needs particular batches
        if cfg.get("sampler"):
            raise ValueError(f"sampler={cfg.sampler._target_.rsplit('.', 1)[-1]} and miner "
                             f"{type(miner).__name__} both choose the train batches; drop one of them")
        datamodule.batch_sampler = miner.batch_sampler
    elif cfg.get("sampler"):  # sampler=m_per_class: a partial (dataset, batch_size) -> batch sampler
        with config_keys("sampler"):
            datamodule.batch_sampler = instantiate(cfg.sampler)
    module = build_module(cfg, miner=miner)
    # RandomStates: exact resume whatever the callbacks
    callbacks = [*instantiate_group(cfg.get("callbacks"), "callbacks"), RandomStates()]
    name_wandb_run(cfg)
    loggers = instantiate_group(cfg.get("logger"), "logger")
    with config_keys("trainer"):
        trainer = instantiate(cfg.trainer, callbacks=callbacks, logger=loggers or False, plugins=[AtomicCheckpointIO()])
    return datamodule, module, trainer


def name_wandb_run(cfg: DictConfig) -> None:
    """Fill ``logger.wandb.name`` / ``group`` when null: name ``<task>-<run dir name>[-<overrides>]`` (distinct per
    run: the run directory is named by its start time; a multirun job is ``<task>-job<n>-<overrides>``), group
    ``<task>-<sweep dir name>`` for every job of one multirun (none for a single run)."""
    wandb = (cfg.get("logger") or {}).get("wandb")
    if not isinstance(wandb, DictConfig):
        return
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    task, run, overrides, group = cfg.get("task_name") or "train", Path(cfg.paths.output_dir).name, [], None
    if HydraConfig.initialized():
        hydra_cfg = HydraConfig.get()
        overrides = [o for o in (hydra_cfg.overrides.task or []) if not o.startswith(("hydra.", "paths."))]
        if hydra_cfg.get("mode") == RunMode.MULTIRUN:
            group = f"{task}-{Path(hydra_cfg.sweep.dir).name}"
            run = f"job{hydra_cfg.job.num}"
    with open_dict(cfg):
        if wandb.get("name") is None:
            wandb.name = "-".join([task, run, *overrides])[:128]
        if wandb.get("group") is None and group is not None:
            wandb.group = group


def train(cfg: DictConfig) -> dict[str, float]:
    """Check the config, fit (resuming from ``cfg.ckpt_path`` if set, see :func:`prepare_resume`), optionally
    test the best checkpoint, write ``metrics.json`` into the run directory and return all logged metrics as
    floats. ``metrics.json`` says which checkpoint produced the numbers: ``checkpoint/fit_epoch`` (train/, val/,
    fit/, time/: the last epoch trained) and ``checkpoint/test_epoch`` (test/, test_shifted/: the epoch of the
    checkpoint tested, the best by the ModelCheckpoint monitor)."""
    check_training_config(cfg)
    ckpt_path, finished = prepare_resume(cfg)
    if finished is not None:
        return finished
    pl.seed_everything(cfg.seed, workers=True)
    datamodule, module, trainer = build(cfg)
    check_optimized_metric(cfg.get("optimized_metric"), module, trainer)
    for logger in trainer.loggers:
        logger.log_hyperparams(OmegaConf.to_container(cfg, resolve=True))
    try:
        with ddp_children_run_this_job():
            trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path, weights_only=True)
            metrics = {k: float(v) for k, v in trainer.callback_metrics.items()}
            metrics["checkpoint/fit_epoch"] = float(trainer.current_epoch)
            if cfg.get("test"):
                best = getattr(trainer.checkpoint_callback, "best_model_path", "") or None
                trainer.test(module, datamodule=datamodule, ckpt_path=best, weights_only=True)
                metrics.update({k: float(v) for k, v in trainer.callback_metrics.items()})
                tested = load_checkpoint(best)["epoch"] + 1 if best else trainer.current_epoch
                metrics["checkpoint/test_epoch"] = float(tested)
                log.info("test metrics from %s (epoch %d of %d; monitor %s)", best or "the last weights", tested,
                         trainer.current_epoch, getattr(trainer.checkpoint_callback, "monitor", None))
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


def prepare_resume(cfg: DictConfig) -> tuple[str | None, dict | None]:
    """``(checkpoint to resume from or None, metrics of an already finished run or None)``.

    - ``ckpt_path=last`` picks the newest ``last.ckpt`` of this task trained with this config
      (``siamese.utils.checkpoints.resolve_ckpt_path``); a file or run directory is taken as given.
    - The checkpoint is read with ``weights_only=True``; a truncated or foreign file fails naming the path and
      the other checkpoints of its run that load (use one of them instead).
    - A stored config that differs in data, model, loss, miner, task, optimizer, scheduler or seed is refused
      with the differences listed, unless ``resume_config_mismatch=allow``.
    - A checkpoint inside ``<run>/checkpoints/`` continues in ``<run>`` (``paths.output_dir`` is set to it), so
      plots, embeddings, history and the best checkpoint (with ``best_model_score``) stay in one place; the log
      is also appended to ``<run>/train.log``.
    - A run that already trained ``trainer.max_epochs`` epochs and wrote ``metrics.json`` is not run again: its
      metrics are returned (train.py exits 0)."""
    current = OmegaConf.to_container(cfg, resolve=True)
    with config_keys({"task_dir": "paths.task_dir"}):
        ckpt_path = resolve_ckpt_path(cfg.get("ckpt_path"), cfg.paths.get("task_dir"), current)
    if not ckpt_path:
        return None, None
    try:
        stored = load_checkpoint(ckpt_path)
    except CheckpointError as error:
        raise CheckpointError(error.parameter, error.value, f"{error.rule}. {_other_checkpoints(ckpt_path)}") from None
    mismatch = cfg.get("resume_config_mismatch", "refuse")
    if mismatch not in ("refuse", "allow"):
        raise ConfigError(f"resume_config_mismatch={mismatch!r}: must be refuse or allow")
    differences = config_differences(stored.get("siamese_config") or {}, current)
    if differences and mismatch != "allow":
        raise ConfigError(f"ckpt_path={ckpt_path} was trained with a different config; refusing to resume it "
                          "with this one:\n  " + "\n  ".join(differences) +
                          "\nGive the same overrides as that run, or resume_config_mismatch=allow to resume anyway")
    if differences:
        log.warning("resuming %s with a different config (resume_config_mismatch=allow): %s", ckpt_path,
                    "; ".join(differences))
    run_dir = run_dir_of(ckpt_path)
    if run_dir is not None and run_dir != Path(cfg.paths.output_dir).resolve():
        with open_dict(cfg):
            cfg.paths.output_dir = str(run_dir)
        handler = logging.FileHandler(run_dir / "train.log")
        handler.setFormatter(logging.Formatter("[%(asctime)s][%(name)s][%(levelname)s] - %(message)s"))
        logging.getLogger().addHandler(handler)
        log.info("continuing in the run directory %s", run_dir)
    log.info("resuming from %s", ckpt_path)
    max_epochs = cfg.trainer.get("max_epochs")
    metrics_file = Path(cfg.paths.output_dir) / "metrics.json"
    if max_epochs and max_epochs > 0 and stored.get("epoch", -1) + 1 >= max_epochs and metrics_file.is_file():
        log.info("the run in %s already finished its %d epochs (metrics in %s); nothing to do", cfg.paths.output_dir,
                 max_epochs, metrics_file)
        return ckpt_path, json.loads(metrics_file.read_text())
    _keep_csv_log(Path(cfg.paths.output_dir))
    return ckpt_path, None


def _keep_csv_log(run_dir: Path) -> None:
    """Lightning's CSVLogger deletes an existing ``metrics.csv`` in its folder; keep the earlier attempts' rows by
    renaming it ``metrics.attempt<k>.csv`` first (metrics_history.jsonl, which appends, keeps every epoch too)."""
    for metrics_csv in run_dir.glob("*/metrics.csv"):
        k = 1
        while (metrics_csv.parent / f"metrics.attempt{k}.csv").exists():
            k += 1
        metrics_csv.rename(metrics_csv.parent / f"metrics.attempt{k}.csv")
        log.info("kept the earlier CSV log as %s", metrics_csv.parent / f"metrics.attempt{k}.csv")


def _other_checkpoints(ckpt_path: str) -> str:
    """Which checkpoints beside a broken one do load (what to resume from instead)."""
    usable = []
    for other in sorted(Path(ckpt_path).parent.glob("*.ckpt")):
        if other.resolve() == Path(ckpt_path).resolve():
            continue
        try:
            load_checkpoint(other)
            usable.append(str(other))
        except (CheckpointError, FileNotFoundError):
            pass
    if not usable:
        return "No other checkpoint of that run loads; start the run again without ckpt_path"
    return "Resume from " + " or ".join(f"ckpt_path={path}" for path in usable) + " instead"


def check_optimized_metric(name: str | None, module, trainer) -> None:
    """Before training: warn when ``optimized_metric`` will not be logged (train.py then returns None)."""
    if not name:
        return
    names = expected_metrics(module, trainer.callbacks)
    if name not in names:
        log.warning("optimized_metric=%s will not be logged by this module and these callbacks (they log %s); "
                    "train.py will return None", name, ", ".join(sorted(names)) or "nothing")

def finish_wandb(trainer) -> None:
    """Close the wandb run so the next run of a multirun gets its own."""
    if any(type(logger).__name__ == "WandbLogger" for logger in trainer.loggers):
        import wandb

        wandb.finish()


def metric_value(metrics: dict[str, float], name: str | None) -> float | None:
    """``metrics[name]`` for a sweeper; None (with a warning, never an error after the work) when not logged."""
    if not name:
        return None
    if name not in metrics:
        log.warning("optimized_metric=%s was not logged; returning None. Logged metrics: %s", name,
                    ", ".join(sorted(metrics)))
        return None
    return metrics[name]
