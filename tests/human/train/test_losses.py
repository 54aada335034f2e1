"""Exact values of the human-alignment losses on hand-computed cases."""

import math

import pytest
import torch
from scipy import stats

from siamese.human.train.losses import (
    CorrelationLoss,
    PairRankingLoss,
    TwoAFCLoss,
    pair_cosine,
)


def test_pair_cosine():
    a = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    b = torch.tensor([[0.0, 2.0], [2.0, 2.0]])
    assert pair_cosine(a, b).tolist() == pytest.approx([0.0, 1.0])


def test_pair_ranking_loss_hand_computed():
    s = torch.tensor([0.9, 0.5, 0.6])
    h = torch.tensor([8.0, 3.0, 5.0])  # order by people: 0 > 2 > 1
    # ordered (p, q): (0,1) gap 0.4 -> 0; (0,2) gap 0.3 -> 0; (2,1) gap 0.1 -> max(0, 0.2-0.1) = 0.1
    assert PairRankingLoss(margin=0.2)(s, h).item() == pytest.approx(0.1 / 3)
    # a mis-ordered model pays the full gap: people 1 > 0, model 0 > 1 by 0.4
    assert PairRankingLoss(margin=0.2)(torch.tensor([0.9, 0.5]), torch.tensor([3.0, 8.0])).item() == pytest.approx(0.6)
    # ties carry no order; min_gap ignores small differences
    assert PairRankingLoss()(torch.tensor([0.1, 0.9]), torch.tensor([5.0, 5.0])).item() == 0.0
    assert PairRankingLoss(margin=0.2, min_gap=2.5)(s, h).item() == pytest.approx(0.0)


def test_correlation_loss_is_one_minus_pearson():
    s = torch.tensor([0.1, 0.4, 0.2, 0.9])
    h = torch.tensor([2.0, 5.0, 4.0, 7.0])
    assert CorrelationLoss()(s, h).item() == pytest.approx(1 - stats.pearsonr(s.numpy(), h.numpy()).statistic)
    assert CorrelationLoss()(h / 10, h).item() == pytest.approx(0.0, abs=1e-6)


def test_two_afc_loss_hand_computed():
    loss = TwoAFCLoss(temperature=0.5)
    # s(anchor,a) - s(anchor,b) = 0.5 -> logit 1; chose a: -log(sigmoid(1)); chose b: -log(1 - sigmoid(1))
    value = loss(torch.tensor([0.8, 0.8]), torch.tensor([0.3, 0.3]), torch.tensor([1, 0])).item()
    sig = 1 / (1 + math.exp(-1))
    assert value == pytest.approx((-math.log(sig) - math.log(1 - sig)) / 2)


def test_losses_give_gradients():
    s = torch.tensor([0.2, 0.4, 0.3], requires_grad=True)
    h = torch.tensor([3.0, 1.0, 2.0])
    (PairRankingLoss(margin=0.5)(s, h) + CorrelationLoss()(s, h)).backward()
    assert s.grad.abs().sum() > 0
