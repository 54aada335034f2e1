"""People's odd-one-out answers as a training signal (``experiment=human_aligned_odd_one_out``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from siamese.human.io.things import read_things
from siamese.human.train.losses import pair_cosine


class OddOneOutObjective(nn.Module):
    """Odd-one-out answers on ``images`` (uint8 ``[N, H, W]``): ``triplets`` ``[C, 3]`` image positions shown with
    answer c and ``chosen_column`` ``[C]`` (0, 1, 2: which of them is the odd one); ``loss`` an ``OddOneOutLoss``
    of the three pair cosines at ``layer`` (column m: the pair that leaves image m out). Each step uses
    ``triplets_per_step`` random answers (all when None) and embeds only the images they show."""

    def __init__(self, images, triplets, chosen_column, loss: nn.Module, layer: str = "embedding",
                 triplets_per_step: int | None = None):
        super().__init__()
        triplets = np.asarray(triplets, dtype=np.int64).reshape(-1, 3)
        if len(triplets) < 1:
            raise ValueError("the odd-one-out objective needs at least one answer")
        self.raw = torch.as_tensor(np.asarray(images))
        self.register_buffer("triplets", torch.as_tensor(triplets), persistent=False)
        self.register_buffer("chosen_column", torch.as_tensor(np.asarray(chosen_column, dtype=np.int64)),
                             persistent=False)
        self.register_buffer("images", torch.empty(0), persistent=False)
        self.loss, self.layer, self.triplets_per_step = loss, layer, triplets_per_step

    def prepare(self, normalize: Callable[[torch.Tensor], torch.Tensor]) -> None:
        self.images = normalize(self.raw).to(self.triplets.device)

    def forward(self, net: nn.Module) -> torch.Tensor:
        if self.images.numel() == 0:
            raise RuntimeError("OddOneOutObjective.prepare(normalize) must run before training")
        rows = torch.arange(len(self.triplets), device=self.triplets.device)
        if self.triplets_per_step is not None and self.triplets_per_step < len(rows):
            rows = torch.randperm(len(rows), device=rows.device)[: self.triplets_per_step]
        shown, position = torch.unique(self.triplets[rows], return_inverse=True)
        features = net.activations(self.images[shown], [self.layer])[self.layer].flatten(1)
        i, j, k = (features[position[:, m]] for m in range(3))
        sims = torch.stack([pair_cosine(j, k), pair_cosine(i, k), pair_cosine(i, j)], dim=1)
        return self.loss(sims, self.chosen_column[rows])


def odd_one_out_from_files(things_dir: str, loss: nn.Module, layer: str = "embedding",
                           files: Sequence[str] | None = None, triplets_per_step: int | None = None
                           ) -> OddOneOutObjective:
    """The objective of a local THINGS copy (``siamese.human.io.things``: ``images.npz`` + triplet files, default
    every ``*.txt``): one term per answer."""
    if not things_dir:
        raise ValueError("human.things must be set: python train.py experiment=human_aligned_odd_one_out "
                         "human.things=DIR (images.npz + THINGS triplet files)")
    judgments = read_things(things_dir, list(files) if files is not None else None)
    answers = judgments.odd_one_out
    shown = answers.triplets[answers.trial]
    chosen_column = np.argmax(shown == answers.chosen[:, None], axis=1)
    return OddOneOutObjective(judgments.images, shown, chosen_column, loss, layer, triplets_per_step)
