"""Embedding whole splits with a trained net (for metrics, plots and the saved raw embeddings)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader


@torch.no_grad()
def embed_loader(net: nn.Module, loader: DataLoader, device: torch.device | str = "cpu") -> dict[str, np.ndarray]:
    """Run ``net`` in eval mode over ``loader``; return ``embedding`` [N, D] float32 and ``label``, ``shift``,
    ``index`` [N] int64 (restores the net's train/eval mode afterwards)."""
    was_training = net.training
    net.eval()
    parts: dict[str, list] = {"embedding": [], "label": [], "shift": [], "index": []}
    for batch in loader:
        parts["embedding"].append(net(batch["image"].to(device)).float().cpu())
        for key in ("label", "shift", "index"):
            parts[key].append(batch[key])
    net.train(was_training)
    return {key: torch.cat(values).numpy() for key, values in parts.items()}


def split_embeddings(trainer, pl_module, split: str) -> dict[str, np.ndarray]:
    """Embeddings of a data-module split at the current training step, computed once per step and shared by
    all callbacks that need them (plots, metrics)."""
    key = (trainer.global_step, trainer.current_epoch, split)
    cache = pl_module.__dict__.setdefault("_split_embedding_cache", {})
    if key not in cache:
        for old in [k for k in cache if k[:2] != key[:2]]:
            del cache[old]
        loader = trainer.datamodule.eval_dataloader(split)
        cache[key] = embed_loader(pl_module.net, loader, pl_module.device)
    return cache[key]
