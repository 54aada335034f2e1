"""Triplet loss: exact values on a hand-computed case, and what pml computes."""

import pytest
import torch
from pytorch_metric_learning.distances import LpDistance
from pytorch_metric_learning.losses import TripletMarginLoss

from siamese.losses import TripletLoss

# four 2-D points: 0 and 1 are 0.5 apart (label 0), 2 is 0.25 from 0 (label 1), 3 is 3.0 from 0 (label 1)
EMB = torch.tensor([[0.0, 0.0], [0.3, 0.4], [0.0, 0.25], [3.0, 0.0]])
LABELS = torch.tensor([0, 0, 1, 1])


def test_triplet_loss_is_pml_on_plain_euclidean_distance():
    triplets = (torch.tensor([0, 1]), torch.tensor([1, 0]), torch.tensor([2, 3]))
    # anchor 0: max(0, 0.5 - 0.25 + 1) = 1.25; anchor 1: d(1,0)=0.5, d(1,3)=sqrt(2.7^2+0.4^2)
    d13 = (2.7**2 + 0.4**2) ** 0.5
    second = max(0.0, 0.5 - d13 + 1.0)
    nonzero = [v for v in (1.25, second) if v > 0]
    assert TripletLoss(margin=1.0)(EMB, LABELS, triplets).item() == pytest.approx(sum(nonzero) / len(nonzero))
    reference = TripletMarginLoss(margin=1.0, distance=LpDistance(normalize_embeddings=False))
    assert TripletLoss(margin=1.0)(EMB, LABELS, triplets).item() == pytest.approx(
        reference(EMB, LABELS, triplets).item())
