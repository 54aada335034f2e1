"""Batch samplers: which dataset items make up a training batch (a miner can ask for one, ``miner.batch_sampler``;
``sampler=m_per_class`` picks one for the run)."""

from siamese.samplers.knn_batch_sampler import KNNBatchSampler
from siamese.samplers.m_per_class import MPerClassBatchSampler

__all__ = ["KNNBatchSampler", "MPerClassBatchSampler"]
