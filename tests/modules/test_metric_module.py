"""What a step logs about its pairs: each count once (the run summary had both ``num_neg_pairs`` and
``pairs/negative`` with the same value)."""

import pytest
import torch

from siamese.losses import ContrastiveLoss
from siamese.miners import PMLMiner, RandomMiner
from siamese.models import EmbeddingNet
from siamese.modules.metric_module import MetricLearningModule


def step_counts(miner):
    torch.manual_seed(0)
    module = MetricLearningModule(EmbeddingNet(embedding_dim=2), ContrastiveLoss(), miner, torch.optim.Adam)
    embeddings, labels = torch.randn(16, 2), torch.arange(16) % 4
    module.mine_and_loss(embeddings, labels, None, miner)
    return module.pair_counts(miner)


def test_a_pair_miner_feeding_a_pair_loss_logs_its_counts_once():
    counts = step_counts(RandomMiner(num_positives=1, num_negatives=2))
    assert counts == {"num_pos_pairs": 16.0, "num_neg_pairs": 32.0}


def test_a_triplet_miner_feeding_a_pair_loss_keeps_the_pairs_the_loss_made():
    counts = step_counts(PMLMiner("TripletMarginMiner", margin=10.0, type_of_triplets="all"))
    assert set(counts) == {"num_triplets", "pairs/positive", "pairs/negative"}
    assert counts["pairs/positive"] == counts["pairs/negative"] == pytest.approx(counts["num_triplets"])
