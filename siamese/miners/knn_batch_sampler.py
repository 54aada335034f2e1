"""Batches of anchors with their k-NN neighbours, so a k-NN miner always finds positives."""

from __future__ import annotations

import torch
from torch.utils.data import Sampler


class KNNBatchSampler(Sampler):
    """Yields lists of dataset positions. Per epoch the anchors are a random permutation of the train set; a
    batch takes the next anchors, each with ``neighbors_per_anchor`` of its graph neighbours (a random subset
    when fewer than k), until ``batch_size`` distinct items are reached (the last group is cut). Every epoch has
    ``ceil(N / batch_size)`` batches, as the plain shuffled loader. Reads ``miner.graph`` at the start of each
    epoch, so a rebuilt graph is used from then on.
    """

    def __init__(self, miner, batch_size: int, neighbors_per_anchor: int, seed: int | None = None):
        if batch_size < 2:
            raise ValueError(f"data.batch_size must be >= 2 for k-NN batches, got {batch_size}")
        self.miner, self.batch_size, self.neighbors_per_anchor = miner, batch_size, max(1, neighbors_per_anchor)
        self.seed = seed

    def __len__(self) -> int:
        return -(-len(self.miner.graph) // self.batch_size)

    def __iter__(self):
        graph = self.miner.graph
        n, k = graph.shape
        generator = None if self.seed is None else torch.Generator().manual_seed(self.seed)
        anchors = torch.randperm(n, generator=generator).tolist()
        pointer, size = 0, min(self.batch_size, n)
        for _ in range(len(self)):
            batch: dict[int, None] = {}
            while len(batch) < size:
                anchor = anchors[pointer % n]
                pointer += 1
                pick = torch.randperm(k, generator=generator)[: self.neighbors_per_anchor]
                for item in [anchor] + graph[anchor, pick].tolist():
                    if len(batch) < size:
                        batch[item] = None
            yield list(batch)
