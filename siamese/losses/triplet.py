"""Triplet margin loss: pytorch-metric-learning's TripletMarginLoss on plain Euclidean distances."""

from __future__ import annotations

from pytorch_metric_learning.distances import LpDistance
from pytorch_metric_learning.losses import TripletMarginLoss as PMLTripletMarginLoss

from siamese.utils.parameters import ParameterError


class TripletLoss(PMLTripletMarginLoss):
    """L = mean over triplets with non-zero loss of max(0, d(a, p) - d(a, n) + margin).

    Same as pml's TripletMarginLoss (its default reducer averages the non-zero terms), except that distances are
    NOT normalized by default, so 2-D plots show the geometry that was trained. Pairs from a pair miner are
    combined into triplets by pml. ``last_stats`` is empty: the miner's ``num_triplets`` already counts them.
    """

    def __init__(self, margin: float = 0.2, normalize_embeddings: bool = False, **kwargs):
        if not margin > 0:
            raise ParameterError("margin", margin, "must be > 0")
        kwargs.setdefault("distance", LpDistance(normalize_embeddings=normalize_embeddings, p=2, power=1))
        super().__init__(margin=margin, **kwargs)
        self.last_stats: dict[str, float] = {}
