"""Binary cross-entropy of a verification head on same/different pairs (Koch, Zemel & Salakhutdinov 2015)."""

from __future__ import annotations

import torch
from pytorch_metric_learning.utils import loss_and_miner_utils as lmu
from torch import nn
from torch.nn import functional as F


class VerificationLoss(nn.Module):
    """L = mean over the mined pairs of BCE(p, y) = -[y log p + (1 - y) log(1 - p)], y = 1 for a same-class pair,
    p = sigmoid(logit) from the net's verification head (``SiameseNet(head="weighted_l1").pair_logits``).

    pml's calling convention ``loss(embeddings, labels, indices_tuple)``: ``(a1, p, a2, n)`` pairs, or triplets
    (split into their pairs), None = every pair of the batch. ``RandomMiner`` draws one positive and one negative
    per anchor, so the pairs are balanced, as in Koch et al. The head's weights live in the net (so a loaded
    checkpoint can score pairs); the Lightning module hands the net to the loss once with ``bind_net(net)``.
    Example: logits 0 for a same pair and 0 for a different pair give log 2 = 0.693147.
    """

    def __init__(self):
        super().__init__()
        self.last_stats: dict[str, float] = {}
        self._pair_logits = None

    def bind_net(self, net: nn.Module) -> None:
        if not callable(getattr(net, "pair_logits", None)) or getattr(net, "head", None) is None:
            raise ValueError("loss=verification needs a net with a verification head: model=siamese_verification "
                             "(a SiameseNet with model.head=weighted_l1)")
        self._pair_logits = net.pair_logits

    def forward(self, embeddings: torch.Tensor, labels: torch.Tensor, indices_tuple=None) -> torch.Tensor:
        if self._pair_logits is None:
            raise RuntimeError("VerificationLoss has no net: call loss.bind_net(net) first")
        a1, p, a2, n = lmu.convert_to_pairs(indices_tuple, labels)
        self.last_stats = {"positive": float(len(a1)), "negative": float(len(a2))}
        if len(a1) + len(a2) == 0:
            return embeddings.sum() * 0.0
        logits = torch.cat([self._pair_logits(embeddings[a1], embeddings[p]),
                            self._pair_logits(embeddings[a2], embeddings[n])])
        targets = torch.cat([torch.ones(len(a1)), torch.zeros(len(a2))]).to(logits)
        return F.binary_cross_entropy_with_logits(logits, targets)
