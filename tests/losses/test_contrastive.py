"""Contrastive loss: exact values on hand-computed cases."""

import pytest
import torch

from siamese.losses import ContrastiveLoss

# four 2-D points: 0 and 1 are 0.5 apart (label 0), 2 is 0.25 from 0 (label 1), 3 is 3.0 from 0 (label 1)
EMB = torch.tensor([[0.0, 0.0], [0.3, 0.4], [0.0, 0.25], [3.0, 0.0]])
LABELS = torch.tensor([0, 0, 1, 1])


def test_contrastive_loss_hand_computed():
    pairs = (torch.tensor([0]), torch.tensor([1]), torch.tensor([0, 0]), torch.tensor([2, 3]))
    # positive d=0.5: 1/2 * 0.25 = 0.125; negative d=0.25: 1/2 * 0.75^2 = 0.28125; negative d=3 > m: 0
    expected = (0.125 + 0.28125 + 0.0) / 3
    assert ContrastiveLoss(margin=1.0)(EMB, LABELS, pairs).item() == pytest.approx(expected)
    # margin 4: the far negative now costs 1/2 * (4-3)^2 = 0.5, the near one 1/2 * 3.75^2
    expected4 = (0.125 + 0.5 * 3.75**2 + 0.5) / 3
    assert ContrastiveLoss(margin=4.0)(EMB, LABELS, pairs).item() == pytest.approx(expected4)


def test_contrastive_loss_from_triplets_uses_their_pairs():
    triplets = (torch.tensor([0]), torch.tensor([1]), torch.tensor([2]))
    assert ContrastiveLoss()(EMB, LABELS, triplets).item() == pytest.approx((0.125 + 0.28125) / 2)


def test_contrastive_loss_all_pairs_when_nothing_mined_and_gradient_flows():
    emb = EMB.clone().requires_grad_(True)
    loss = ContrastiveLoss()(emb, LABELS)  # all pairs: (0,1) (2,3) positive, 4 negatives
    d = torch.cdist(EMB, EMB)
    pos = [d[0, 1], d[1, 0], d[2, 3], d[3, 2]]
    neg = [d[i, j] for i in range(4) for j in range(4) if LABELS[i] != LABELS[j]]
    expected = (sum(0.5 * x**2 for x in pos) + sum(0.5 * torch.clamp(1 - x, min=0) ** 2 for x in neg)) / 12
    assert loss.item() == pytest.approx(expected.item())
    loss.backward()
    assert emb.grad.abs().sum() > 0


def test_contrastive_margin_must_be_positive():
    with pytest.raises(ValueError, match="^margin=0: must be > 0"):
        ContrastiveLoss(margin=0)
