"""Koch et al.'s (2015) verification head: a learned weighted L1 distance between two embeddings, then a sigmoid."""

from __future__ import annotations

import torch
from torch import nn

from siamese.models.base import check_embedding_dim


class VerificationHead(nn.Module):
    """p(same | e1, e2) = sigmoid(sum_j alpha_j |e1_j - e2_j| + b) (Koch, Zemel & Salakhutdinov 2015).

    ``alpha`` [embedding_dim] and ``b`` are learned; trained with binary cross-entropy on same/different pairs
    (``siamese.losses.VerificationLoss``), the weights become negative where a coordinate's difference means
    "different". Initialised at alpha_j = -1/embedding_dim, b = 1: p starts at sigmoid(1 - mean |e1 - e2|), a
    plain L1 verifier. Example: alpha = (-1, -2), b = 0.5, e1 = (0, 0), e2 = (0.5, 0.25) give
    sigmoid(-0.5 - 0.5 + 0.5) = sigmoid(-0.5) = 0.37754.

    ``logits(e1, e2)``: row-wise pairs [P, D], [P, D] -> [P]; ``score_matrix(a, b)``: all pairs [Q, D], [S, D] ->
    [Q, S] (the logits; higher = more likely the same class); ``forward`` = ``sigmoid(logits)``.
    """

    def __init__(self, embedding_dim: int):
        super().__init__()
        check_embedding_dim(embedding_dim)
        self.alpha = nn.Parameter(torch.full((embedding_dim,), -1.0 / embedding_dim))
        self.bias = nn.Parameter(torch.ones(()))

    def logits(self, e1: torch.Tensor, e2: torch.Tensor) -> torch.Tensor:
        return (e1 - e2).abs() @ self.alpha + self.bias

    def score_matrix(self, emb_a: torch.Tensor, emb_b: torch.Tensor) -> torch.Tensor:
        diff = (emb_a[:, None, :] - emb_b[None, :, :]).abs()  # [Q, S, D]
        return diff @ self.alpha + self.bias

    def forward(self, e1: torch.Tensor, e2: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.logits(e1, e2))
