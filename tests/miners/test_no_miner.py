"""miner=none: the loss sees every pair of the batch."""

import pytest
import torch

from siamese.losses import ContrastiveLoss
from siamese.miners import NoMiner


def test_no_miner_gives_the_loss_every_pair():
    emb, labels = torch.tensor([[0.0], [0.5], [3.0]]), torch.tensor([0, 0, 1])
    assert NoMiner()(emb, labels) is None
    loss = ContrastiveLoss(margin=1.0)
    # pairs (0,1) same d=0.5; (0,2) d=3 and (1,2) d=2.5 different, beyond the margin: (0.125 + 0.125 + 0 + 0) / 6
    # ordered pairs: each same pair twice, each different pair twice
    assert loss(emb, labels, NoMiner()(emb, labels)).item() == pytest.approx(0.125 * 2 / 6)
    assert loss.last_stats == {"positive": 2.0, "negative": 4.0}
