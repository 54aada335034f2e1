"""Batches of anchors with their k-NN neighbours, so a k-NN miner always finds positives."""

from __future__ import annotations

import torch
from torch.utils.data import BatchSampler, RandomSampler, Sampler

from siamese.utils.parameters import ParameterError


class KNNBatchSampler(BatchSampler):
    """Yields lists of dataset positions. The anchors of an epoch come from ``sampler``: by default a
    ``RandomSampler`` over the whole train set (a new permutation every epoch). A batch takes the next anchors,
    each with ``neighbors_per_anchor`` of its graph neighbours (a random subset when fewer than k), until
    ``batch_size`` distinct items are reached (the last group is cut). An epoch has
    ``ceil(len(sampler) / batch_size)`` batches, as the plain shuffled loader. Reads ``miner.graph`` at the start of
    each epoch, so a rebuilt graph is used from then on.

    Under DDP Lightning re-creates this sampler with ``sampler`` = its ``DistributedSampler`` (it is a
    ``BatchSampler`` with a ``sampler`` argument, and Lightning calls ``set_epoch`` on it every epoch): each process
    then takes its own shard of the anchors, the neighbours come from the whole train set, and the module mines
    over the gathered global batch.
    """

    def __init__(self, miner, batch_size: int, neighbors_per_anchor: int, sampler: Sampler | None = None,
                 drop_last: bool = False):
        # ``sampler`` and ``drop_last`` are BatchSampler's interface, which Lightning uses to inject its
        # DistributedSampler; an epoch always keeps its last, shorter batch (drop_last is not used)
        if batch_size < 2:
            raise ParameterError("batch_size", batch_size, "must be >= 2 for k-NN batches")
        # draws come from torch's global generator (seeded by seed_everything): epochs differ, a seed repeats a run
        if sampler is None:
            sampler = RandomSampler(range(len(miner.graph)))
        super().__init__(sampler, batch_size, drop_last)
        self.miner, self.neighbors_per_anchor = miner, max(1, neighbors_per_anchor)

    def __len__(self) -> int:
        return -(-len(self.sampler) // self.batch_size)

    def __iter__(self):
        graph = self.miner.graph
        n, k = graph.shape
        anchors = list(self.sampler)
        pointer, size = 0, min(self.batch_size, n)
        for _ in range(len(self)):
            batch: dict[int, None] = {}
            while len(batch) < size:
                anchor = anchors[pointer % len(anchors)]
                pointer += 1
                pick = torch.randperm(k)[: self.neighbors_per_anchor]
                for item in [anchor] + graph[anchor, pick].tolist():
                    if len(batch) < size:
                        batch[item] = None
            yield list(batch)
