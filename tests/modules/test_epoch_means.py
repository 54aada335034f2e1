"""Epoch means logged once per epoch equal the image-weighted mean over the steps (what on_epoch logging gave)."""

import pytest
import torch

from siamese.modules.epoch_means import EpochMeans


def test_weighted_mean_by_hand_and_reset():
    means = EpochMeans()
    means.add({"loss": torch.tensor(1.0), "num_pos_pairs": 10.0}, 2)
    means.add({"loss": torch.tensor(4.0)}, 1)  # a name missing from a step is averaged over the steps that had it
    result = means.pop()
    assert result["loss"].item() == pytest.approx((2 * 1.0 + 1 * 4.0) / 3)
    assert result["num_pos_pairs"].item() == 10.0
    assert means.pop() == {}


def test_gradients_are_not_kept():
    weight = torch.ones(1, requires_grad=True)
    means = EpochMeans()
    means.add({"loss": (weight * 3).sum()}, 4)
    assert not means.pop()["loss"].requires_grad
