"""VerificationLoss: binary cross-entropy of the net's verification head on mined same/different pairs."""

import math

import pytest
import torch

from siamese.losses import VerificationLoss
from siamese.models import EmbeddingNet, SiameseNet


def bound_loss():
    net = SiameseNet(EmbeddingNet(embedding_dim=2), head="weighted_l1")
    with torch.no_grad():
        net.head.alpha.copy_(torch.tensor([-1.0, -2.0]))
        net.head.bias.fill_(0.5)
    loss = VerificationLoss()
    loss.bind_net(net)
    return loss


def test_value_is_the_mean_bce_of_the_hand_computed_probabilities():
    loss = bound_loss()
    emb = torch.tensor([[0.0, 0.0], [0.5, 0.25], [2.0, 1.0]])
    labels = torch.tensor([0, 0, 1])
    pairs = (torch.tensor([0]), torch.tensor([1]), torch.tensor([0]), torch.tensor([2]))
    # same pair: logit -0.5; different pair: logit -2 - 2 + 0.5 = -3.5
    expected = (-math.log(1 / (1 + math.exp(0.5))) - math.log(1 - 1 / (1 + math.exp(3.5)))) / 2
    assert loss(emb, labels, pairs).item() == pytest.approx(expected, abs=1e-6)
    assert loss.last_stats == {"positive": 1.0, "negative": 1.0}


def test_a_net_without_head_is_refused_naming_the_model():
    with pytest.raises(ValueError, match="model=siamese_verification"):
        VerificationLoss().bind_net(SiameseNet(EmbeddingNet(), head="euclidean"))
