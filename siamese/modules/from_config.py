"""The Lightning module of a run config: the one place that instantiates net, loss, miner, optimizer and task."""

from __future__ import annotations

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf


def build_module(cfg: DictConfig | dict, miner=None):
    """``instantiate(cfg.task, net=instantiate(cfg.model), loss=..., miner=..., optimizer=..., scheduler=...)`` with
    ``run_config`` = the resolved config (stored in its checkpoints). ``miner``: an already built miner (so the
    caller can wire its batch sampler); by default ``instantiate(cfg.miner)``. Used by ``siamese.training.build``
    and by ``BaseModule.load_from_checkpoint`` (from the config stored in the checkpoint)."""
    cfg = cfg if isinstance(cfg, DictConfig) else OmegaConf.create(cfg)
    if miner is None and cfg.get("miner") is not None:
        miner = instantiate(cfg.miner)
    scheduler = instantiate(cfg.scheduler) if cfg.get("scheduler") else None
    module = instantiate(cfg.task, net=instantiate(cfg.model), loss=instantiate(cfg.loss), miner=miner,
                         optimizer=instantiate(cfg.optimizer), scheduler=scheduler)
    module.run_config = OmegaConf.to_container(cfg, resolve=True)
    return module
