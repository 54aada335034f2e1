"""Embedding whole splits with a trained net, and deterministic subsamples of the result (for metrics, plots and
the saved raw embeddings)."""

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
        parts["embedding"].append(net(batch["image"].to(device)).float())  # stays on the device: one copy at the end
        for key in ("label", "shift", "index"):
            parts[key].append(batch[key])
    net.train(was_training)
    return {key: torch.cat(values).cpu().numpy() for key, values in parts.items()}


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
