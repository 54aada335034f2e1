"""Embedding whole splits with a trained net (for metrics, plots and the saved raw embeddings)."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Subset


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


def subsample_positions(n: int, max_items: int | None, seed: int = 0) -> np.ndarray:
    """Sorted positions of a deterministic uniform subsample of ``min(n, max_items)`` of ``range(n)`` (all of them
    when ``max_items`` is None or >= n); the same ``(n, max_items, seed)`` always gives the same positions."""
    if max_items is None or max_items >= n:
        return np.arange(n)
    if max_items < 1:
        raise ValueError(f"max_items must be >= 1 or None, got {max_items}")
    return np.sort(np.random.default_rng(seed).choice(n, size=max_items, replace=False))


def take(data: dict[str, np.ndarray], positions: np.ndarray) -> dict[str, np.ndarray]:
    """The rows ``positions`` of every array of a split's embedding dict."""
    return {key: value[positions] for key, value in data.items()}


def split_embeddings(trainer, pl_module, split: str, max_items: int | None = None, seed: int = 0
                     ) -> dict[str, np.ndarray]:
    """Embeddings of a data-module split at the current training step, computed once per step and shared by
    all callbacks that need them (plots, metrics). ``max_items``: only a deterministic subsample
    (``subsample_positions``) of the split, sliced from the whole split when that is already cached, else
    embedding just those images. The cache is keyed by (step, epoch, fit/test): ``trainer.test`` of the best
    checkpoint at the same step as the end of fitting does not reuse the last epoch's embeddings."""
    step = (trainer.global_step, trainer.current_epoch, str(getattr(trainer.state, "fn", "")))
    cache = pl_module.__dict__.setdefault("_split_embedding_cache", {})
    for old in [k for k in cache if k[:3] != step]:
        del cache[old]
    full_key = (*step, split, None, 0)
    key = (*step, split, max_items, seed)
    if key not in cache:
        loader = trainer.datamodule.eval_dataloader(split)
        positions = subsample_positions(len(loader.dataset), max_items, seed)
        if full_key in cache:
            cache[key] = take(cache[full_key], positions)
        elif len(positions) == len(loader.dataset):
            cache[key] = embed_loader(pl_module.net, loader, pl_module.device)
        else:
            subset = DataLoader(Subset(loader.dataset, positions.tolist()), batch_size=loader.batch_size,
                                shuffle=False, collate_fn=loader.collate_fn)
            cache[key] = embed_loader(pl_module.net, subset, pl_module.device)
    return cache[key]
