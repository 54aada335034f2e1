"""Batches of m images per class (pytorch-metric-learning's ``MPerClassSampler``), so every anchor has positives."""

from __future__ import annotations

import torch
from pytorch_metric_learning.samplers import MPerClassSampler
from torch.utils.data import BatchSampler

from siamese.utils.parameters import ParameterError


class MPerClassBatchSampler(BatchSampler):
    """Yields lists of dataset positions: pml's ``MPerClassSampler(labels, m, ...)`` cut into batches of
    ``batch_size``.

    - Each pass of the pml sampler takes ``m`` random images of each class (with replacement only when a class has
      fewer than ``m``), classes in a random order; when ``m * classes >= batch_size`` pml is given the batch size,
      so every batch holds exactly ``batch_size / m`` classes with ``m`` images each (``batch_size`` must then be a
      multiple of ``m``). Example: 10 digits, batch 250, m = 25: every batch has 25 images of each digit.
    - With fewer classes (4 vs 9, m = 4, batch 128) batches are 16 consecutive passes: 64 images of each digit.
    - An epoch is about as long as the shuffled loader's: pml's list has ``len(dataset)`` positions, cut down to
      a multiple of the batch (or of the pass), so up to one batch fewer.
    - Randomness is numpy's global generator (pml's ``c_f.NUMPY_RANDOM``), which ``pl.seed_everything`` seeds,
      so the same seed gives the same batches.

    One process only: a ``sampler`` (what Lightning passes when it injects its ``DistributedSampler`` under DDP)
    is refused, since the batches would lose their composition.
    """

    def __init__(self, dataset, batch_size: int, m: int = 4, sampler=None, drop_last: bool = False):
        if sampler is not None:
            raise ValueError("MPerClassBatchSampler runs in one process only (DDP would replace its sampler by a "
                             "DistributedSampler); use the k-NN miner or the shuffled loader under DDP")
        if isinstance(m, bool) or not isinstance(m, int) or m < 1:
            raise ParameterError("m", m, "must be an integer >= 1")
        labels = torch.as_tensor(dataset.labels).cpu().numpy()
        classes = len(set(labels.tolist()))
        pml_batch = None
        if m * classes >= batch_size:
            if batch_size % m:
                raise ParameterError("m", m, f"must divide batch_size={batch_size} (each batch holds batch_size / m "
                                     "classes of m images)")
            pml_batch = batch_size
        inner = MPerClassSampler(labels, m, batch_size=pml_batch, length_before_new_iter=max(len(labels), batch_size))
        super().__init__(inner, batch_size, drop_last)
        self.m = m
