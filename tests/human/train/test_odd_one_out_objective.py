"""The odd-one-out loss by hand, the objective against a direct computation, and a real short training run of
experiment=human_aligned_odd_one_out on a SYNTHETIC THINGS copy whose human loss must fall."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
import torch

from siamese.human.train.losses import OddOneOutLoss, pair_cosine
from siamese.human.train.odd_one_out_objective import OddOneOutObjective


def test_loss_is_the_cross_entropy_of_the_chosen_odd_one():
    sims = torch.tensor([[0.2, 0.0, -0.1]])
    expected = -math.log(math.exp(2.0) / (math.exp(2.0) + math.exp(0.0) + math.exp(-1.0)))
    assert OddOneOutLoss(0.1)(sims, torch.tensor([0])).item() == pytest.approx(expected)
    with pytest.raises(ValueError, match="human.temperature must be > 0"):
        OddOneOutLoss(0.0)


class Linear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(4, 3, generator=torch.Generator().manual_seed(0)))

    def activations(self, x, layers):
        return {layers[0]: x.flatten(1) @ self.weight.T}


def test_objective_scores_the_three_pairs_of_each_answer():
    images = np.random.default_rng(0).integers(0, 255, size=(5, 1, 3), dtype=np.uint8)
    triplets, column = np.array([[0, 1, 2], [4, 3, 1]]), np.array([2, 0])
    objective = OddOneOutObjective(images, triplets, column, OddOneOutLoss(0.1), layer="x")
    objective.prepare(lambda raw: raw.float() / 255)
    net = Linear()
    f = net.activations(torch.as_tensor(images).float() / 255, ["x"])["x"]
    sims = torch.stack([torch.stack([pair_cosine(f[[j]], f[[k]])[0], pair_cosine(f[[i]], f[[k]])[0],
                                     pair_cosine(f[[i]], f[[j]])[0]]) for i, j, k in triplets])
    expected = torch.nn.functional.cross_entropy(sims / 0.1, torch.as_tensor(column))
    assert objective(net).item() == pytest.approx(expected.item(), rel=1e-6)


def test_fine_tuning_on_odd_one_out_answers_lowers_the_human_loss(tmp_path, cfg_factory):
    from siamese.human.compare.synthetic_triplets import write_synthetic_things
    from siamese.training import train

    things = write_synthetic_things(tmp_path / "things", n_images=40, n_triplets=300, seed=0)
    cfg = cfg_factory("experiment=human_aligned_odd_one_out", f"human.things={things}", "human.weight=5",
                      "human.triplets_per_step=null", "logger=csv", "callbacks=none", "data.max_train_samples=200",
                      "data.batch_size=50", "trainer.max_epochs=4", "+trainer.enable_progress_bar=false",
                      "test=false", "model=small", "human.layer=embedding")
    metrics = train(cfg)
    assert np.isfinite(metrics["train/human_loss"])
    [log] = list((tmp_path / "run").rglob("metrics.csv"))
    with open(log) as f:
        losses = [float(row["train/human_loss"]) for row in csv.DictReader(f) if row.get("train/human_loss")]
    assert len(losses) >= 2 and losses[-1] < losses[0] - 0.05, losses
