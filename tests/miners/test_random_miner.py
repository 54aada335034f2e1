"""Random miner semantics: positives share the label, negatives don't; bad settings name the key."""

import pytest
import torch

from siamese.miners import RandomMiner


@pytest.fixture
def batch():
    torch.manual_seed(0)
    return torch.randn(40, 3), torch.randint(0, 4, (40,))


@pytest.mark.parametrize("num", [1, 3])
def test_random_pairs_are_valid_and_counted(batch, num):
    emb, labels = batch
    miner = RandomMiner(num_positives=num, num_negatives=num)
    a1, p, a2, n = miner(emb, labels, indices=torch.arange(40))
    assert len(a1) == len(a2) == 40 * num
    assert (labels[a1] == labels[p]).all() and (a1 != p).all()
    assert (labels[a2] != labels[n]).all()
    assert torch.equal(torch.bincount(a1, minlength=40), torch.full((40,), num))
    assert miner.stats() == {"num_pos_pairs": 40.0 * num, "num_neg_pairs": 40.0 * num}


def test_random_triplets_skip_anchors_without_a_positive():
    emb, labels = torch.randn(5, 2), torch.tensor([0, 0, 1, 2, 2])
    a, p, n = RandomMiner(num_positives=2, num_negatives=2, output="triplets")(emb, labels)
    assert set(a.tolist()) == {0, 1, 3, 4}
    assert (labels[a] == labels[p]).all() and (labels[a] != labels[n]).all() and (a != p).all()


def test_random_miner_rejects_bad_settings():
    with pytest.raises(ValueError, match="output='quads': must be one of"):
        RandomMiner(output="quads")
    with pytest.raises(ValueError, match="num_positives=0: must be an integer >= 1"):
        RandomMiner(num_positives=0)
