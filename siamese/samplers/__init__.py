"""Batch samplers: which dataset items make up a training batch (a miner can ask for one, ``miner.batch_sampler``)."""

from siamese.samplers.knn_batch_sampler import KNNBatchSampler

__all__ = ["KNNBatchSampler"]
