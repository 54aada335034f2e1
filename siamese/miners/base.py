"""Base class of the miners: pytorch-metric-learning's contract plus the batch's dataset indices."""

from __future__ import annotations

import torch
from pytorch_metric_learning.miners import BaseMiner as PMLBaseMiner
from pytorch_metric_learning.utils import common_functions as c_f


class BaseMiner(PMLBaseMiner):
    """``miner(embeddings, labels, indices=None) -> (a1, p, a2, n)`` or ``(a, p, n)``: index tensors into the batch.

    Does the shared work once (as pml's BaseMiner): runs under ``no_grad``, checks that embeddings and labels
    match, sets the reference set, calls ``mine``, asserts the output shape and records ``num_pos_pairs``,
    ``num_neg_pairs`` / ``num_triplets``. ``indices`` are the dataset indices of the batch items, for miners
    that look beyond the batch (a k-NN graph over the whole training set); they are ``self.batch_indices``
    inside ``mine``. A new miner writes only ``mine(embeddings, labels, ref_emb, ref_labels)``.

    Hooks the Lightning module and ``siamese.training.build`` call on every miner (defaults do nothing):

    - ``batch_sampler``: None, or a method ``batch_sampler(dataset, batch_size) -> BatchSampler`` for miners that
      need particular batches (``KNNMiner``: anchors with their neighbours); the train loader then uses it;
    - ``infer_output(loss)``: called once with the loss (``KNNMiner(output=auto)`` picks pairs or triplets);
    - ``on_train_epoch_start(module)``: called at the start of every training epoch (warm-up schedules, graphs
      rebuilt from the current net).
    """

    batch_sampler = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.batch_indices: torch.Tensor | None = None

    def forward(self, embeddings, labels, ref_emb=None, ref_labels=None, indices=None):
        if indices is not None and len(indices) != len(embeddings):
            raise ValueError(f"miner got {len(indices)} dataset indices for {len(embeddings)} embeddings")
        self.batch_indices = None if indices is None else c_f.to_device(indices, embeddings)
        return super().forward(embeddings, labels, ref_emb, ref_labels)

    def infer_output(self, loss) -> None:
        """Adapt the output to the loss it feeds; by default the miner's output is fixed."""

    def on_train_epoch_start(self, module) -> None:
        """Start of training epoch ``module.current_epoch``; by default nothing changes between epochs."""

    def stats(self) -> dict[str, float]:
        """The counts of the last call, for logging."""
        names = ("num_pos_pairs", "num_neg_pairs", "num_triplets")
        return {name: float(getattr(self, name)) for name in names if getattr(self, name, 0)}
