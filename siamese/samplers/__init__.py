"""Batch samplers of the train loader: which images meet in a batch (the miners then pick pairs inside it)."""

from siamese.samplers.m_per_class import MPerClassBatchSampler

__all__ = ["MPerClassBatchSampler"]
