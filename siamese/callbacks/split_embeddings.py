"""The embeddings of a data-module split at the current training step, shared by the callbacks of that step."""

from __future__ import annotations

import numpy as np
from torch.utils.data import DataLoader, Subset

from siamese.evaluation.embeddings import embed_loader, subsample_positions, take


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
