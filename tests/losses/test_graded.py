"""Graded loss: exact values on hand-computed cases."""

import pytest
import torch

from siamese.losses import GradedLoss


def test_graded_loss_hand_computed():
    # items on a line: 0 at 0 (digit 4), 1 at 0.25 (4), 2 at 0.3 (4), 3 at 0.4 (9)
    emb = torch.tensor([[0.0, 0.0], [0.25, 0.0], [0.3, 0.0], [0.4, 0.0]])
    labels = torch.tensor([4, 4, 4, 9])
    tuples = (torch.tensor([0]), torch.tensor([1]), torch.tensor([0, 0]), torch.tensor([2, 3]))
    loss = GradedLoss()(emb, labels, tuples)
    tp = 0.5 * 1.0 * 0.25 ** 2            # 0.03125
    fn = 0.5 * 0.5 * (0.5 - 0.3) ** 2     # 0.01
    neg = 0.5 * 1.0 * (1.0 - 0.4) ** 2    # 0.18
    assert loss.item() == pytest.approx((tp + fn + neg) / 3, abs=1e-6)  # float32 distances


def test_graded_loss_custom_margins_and_weights():
    emb = torch.tensor([[0.0, 0.0], [3.0, 4.0], [0.0, 1.0], [0.0, 2.0]])
    labels = torch.tensor([1, 1, 1, 2])
    loss_fn = GradedLoss(margin_tp=1.0, margin_fn=2.0, margin_neg=3.0, weight_tp=2.0, weight_fn=1.0, weight_neg=4.0)
    # tp: d=5 -> 1/2*2*(5-1)^2 = 16; fn: d=1 -> 1/2*1*(2-1)^2 = 0.5; neg: d=2 -> 1/2*4*(3-2)^2 = 2
    tuples = (torch.tensor([0]), torch.tensor([1]), torch.tensor([0, 0]), torch.tensor([2, 3]))
    assert loss_fn(emb, labels, tuples).item() == pytest.approx((16 + 0.5 + 2) / 3)
    # beyond the margins nothing is pushed, inside m_tp nothing is pulled
    far = torch.tensor([[0.0, 0.0], [0.5, 0.0], [2.5, 0.0], [0.0, 3.5]])
    assert loss_fn(far, labels, tuples).item() == 0.0
    assert loss_fn.last_stats == {"true_positive": 1.0, "false_negative": 1.0, "negative": 1.0}


def test_graded_loss_orders_the_costs_and_rejects_bad_settings():
    loss_fn = GradedLoss()
    emb, labels = torch.zeros(3, 2), torch.tensor([0, 0, 1])
    fn = loss_fn(emb, labels, (torch.tensor([], dtype=torch.long),) * 2 + (torch.tensor([0]), torch.tensor([1])))
    neg = loss_fn(emb, labels, (torch.tensor([], dtype=torch.long),) * 2 + (torch.tensor([0]), torch.tensor([2])))
    assert 0 < fn.item() < neg.item()
    with pytest.raises(ValueError, match="margin_fn"):
        GradedLoss(margin_fn=2.0, margin_neg=1.0)
    with pytest.raises(ValueError, match="weight_fn"):
        GradedLoss(weight_fn=2.0)


def test_graded_run_logs_its_three_pair_counts(cfg_factory):
    """In a real (fast_dev_run) training of the graded preset the module logs the loss's pair counts; the k-NN
    miner's non-neighbour negatives of the same digit show up as false negatives."""
    from siamese.training import train

    metrics = train(cfg_factory("experiment=shift_graded", "logger=csv", "data.max_train_samples=400",
                                "data.max_test_samples=100", "data.batch_size=64", "+trainer.fast_dev_run=true"))
    counts = [metrics[f"train/pairs/{kind}"] for kind in ("true_positive", "false_negative", "negative")]
    assert counts[0] > 0 and counts[1] > 0 and counts[2] > 0
    # every negative pair the miner drew is either a false negative or a negative
    assert counts[1] + counts[2] == pytest.approx(metrics["train/num_neg_pairs"])
