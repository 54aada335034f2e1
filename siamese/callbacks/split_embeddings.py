"""The one per-step cache of split embeddings, shared by every callback of that step (retrieval metrics, embedding
plots, collapse check, shift clusters, wandb table): each split (or seeded subsample of it) is embedded once."""

from __future__ import annotations

import numpy as np
from torch.utils.data import DataLoader, Subset

from siamese.evaluation.embeddings import embed_loader, subsample_positions, take


def split_embeddings(trainer, pl_module, split: str, max_items: int | None = None, seed: int = 0,
                     use_loop: bool = True) -> dict[str, np.ndarray]:
    """Embeddings of a data-module split at the current training step, computed once per step and shared by
    all callbacks that need them. ``max_items``: only a deterministic subsample (``subsample_positions``) of the
    split, sliced from the whole split when that is already cached, else embedding just those images.

    The val and test splits come for free when the module's validation / test loop of this step embedded the
    whole split in order (``pl_module.loop_embeddings``, see ``MetricLearningModule``): the loop already ran the
    net over exactly those images in eval mode (``use_loop=False`` embeds them again; benchmarks compare the two).
    The cache is keyed by (step, epoch, fit/test): ``trainer.test`` of the best checkpoint at the same step as
    the end of fitting does not reuse the last epoch's embeddings."""
    step = (trainer.global_step, trainer.current_epoch, str(getattr(trainer.state, "fn", "")))
    cache = pl_module.__dict__.setdefault("_split_embedding_cache", {})
    for old in [k for k in cache if k[:3] != step]:
        del cache[old]
    full_key = (*step, split, None, 0)
    key = (*step, split, max_items, seed)
    if key not in cache:
        loader = trainer.datamodule.eval_dataloader(split)
        positions = subsample_positions(len(loader.dataset), max_items, seed)
        if full_key not in cache and use_loop:
            from_loop = _loop_embeddings(pl_module, split, loader.dataset)
            if from_loop is not None:
                cache[full_key] = from_loop
        if full_key in cache:
            if key != full_key:
                cache[key] = take(cache[full_key], positions)
        elif len(positions) == len(loader.dataset):
            cache[key] = embed_loader(pl_module.net, loader, pl_module.device)
        else:
            subset = DataLoader(Subset(loader.dataset, positions.tolist()), batch_size=loader.batch_size,
                                shuffle=False, collate_fn=loader.collate_fn)
            cache[key] = embed_loader(pl_module.net, subset, pl_module.device)
    return cache[key]


def clear_split_embeddings(pl_module) -> None:
    """Forget the cached embeddings (benchmarks time each evaluation choice from an empty cache)."""
    pl_module.__dict__.pop("_split_embedding_cache", None)


def _loop_embeddings(pl_module, split: str, dataset) -> dict[str, np.ndarray] | None:
    """The ``split`` embeddings the module's loop collected this step, if they cover the whole split in the
    dataset's order (not under ``limit_val_batches`` or a DDP shard); else None."""
    loops = getattr(pl_module, "loop_embeddings", None)
    collected = loops.result(split) if loops is not None else None
    if collected is None or len(collected["index"]) != len(dataset):
        return None
    if not np.array_equal(collected["index"], np.asarray(dataset.indices.cpu())):
        return None
    return collected
