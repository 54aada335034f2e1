"""Checkpoints in train.py's format for tests that need a real frozen net without training one."""

import torch


def write_random_checkpoint(path, net_class, model_kwargs: dict, task_name: str):
    """``path``: a checkpoint of ``net_class(**model_kwargs)`` with seeded random weights (seed 0), its run config
    (``model._target_`` and ``task_name``) and MNIST's normalization; the global RNG is left as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = net_class(**model_kwargs)
    target = f"siamese.models.{net_class.__name__}"
    torch.save({"siamese_config": {"model": {"_target_": target, **model_kwargs}, "task_name": task_name},
                "state_dict": {f"net.{k}": v for k, v in net.state_dict().items()},
                "MNISTDataModule": {"mean": 0.1307, "std": 0.3081}}, path)
    return path
