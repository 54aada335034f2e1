"""PMLMiner: returns what the pml miner of that name returns; an unknown name lists the options."""

import pytest
import torch
from pytorch_metric_learning.miners import MultiSimilarityMiner

from siamese.miners import PMLMiner


@pytest.fixture
def batch():
    torch.manual_seed(0)
    return torch.randn(40, 3), torch.randint(0, 4, (40,))


def test_pml_miner_returns_what_pml_returns(batch):
    emb, labels = batch
    ours = PMLMiner("MultiSimilarityMiner", epsilon=0.1)(emb, labels, indices=torch.arange(40))
    theirs = MultiSimilarityMiner(epsilon=0.1)(emb, labels)
    assert len(ours) == 4 and all(torch.equal(x, y) for x, y in zip(ours, theirs))


def test_pml_miner_unknown_name_lists_options():
    with pytest.raises(ValueError, match="^name='Nope': is not a pytorch-metric-learning miner.*TripletMarginMiner"):
        PMLMiner("Nope")
