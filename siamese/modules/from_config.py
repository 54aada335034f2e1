"""The Lightning module of a run config: the one place that instantiates net, loss, miner, optimizer and task."""

from __future__ import annotations

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from siamese.utils.config_checks import config_keys


def build_module(cfg: DictConfig | dict, miner=None):
    """``instantiate(cfg.task, net=instantiate(cfg.model), loss=..., miner=..., optimizer=..., scheduler=...)`` with
    ``run_config`` = the resolved config (stored in its checkpoints). ``miner``: an already built miner (so the
    caller can wire its batch sampler); by default ``instantiate(cfg.miner)``. Used by ``siamese.training.build``
    and by ``BaseModule.load_from_checkpoint`` (from the config stored in the checkpoint)."""
    cfg = cfg if isinstance(cfg, DictConfig) else OmegaConf.create(cfg)

    def build(key: str):
        with config_keys(key, cfg):  # a bad argument is named by its config key (model.embedding_dim=0: ...)
            return instantiate(cfg.get(key))

    if miner is None and cfg.get("miner") is not None:
        miner = build("miner")
    scheduler = build("scheduler") if cfg.get("scheduler") else None
    with config_keys("task", cfg):
        module = instantiate(cfg.task, net=build("model"), loss=build("loss"), miner=miner,
                             optimizer=build("optimizer"), scheduler=scheduler)
    module.run_config = OmegaConf.to_container(cfg, resolve=True)
    return module
