"""The Siamese network: one embedding net applied to both images of a pair (shared weights) and a distance."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from siamese.models.verification_head import VerificationHead

HEADS = ("euclidean", "cosine", "weighted_l1")


class SiameseNet(nn.Module):
    """The Siamese network (Bromley et al. 1993, signature verification; trained with the contrastive loss in
    Hadsell, Chopra & LeCun 2006): ONE embedding net f, applied to both images of a pair, so the two branches
    share every weight, and a comparison of the two embeddings.

    ``head`` chooses the comparison:

    - ``euclidean``: d(x1, x2) = ||f(x1) - f(x2)||_2 (the contrastive loss's distance; pair score -d);
    - ``cosine``: s = cos(f(x1), f(x2)) (proxy and softmax losses on normalised embeddings; pair score s);
    - ``weighted_l1``: Koch et al.'s (2015) verification head, p = sigmoid(sum_j alpha_j |f(x1)_j - f(x2)_j| + b)
      (``VerificationHead``), trained with binary cross-entropy on same/different pairs (``loss=verification``);
      pair score = the logit.

    ``forward(images)`` returns the embeddings f(images) [B, D], so the training loop embeds each batch image
    once and forms pairs in embedding space (the same as two weight-sharing branches), and everything that reads
    an embedding net (``siamese.load``, the retrieval and one-shot evaluation) reads this one. ``forward_pair(x1,
    x2)`` runs the two branches: the distance [B] (euclidean), the cosine [B], or p(same) [B] (weighted_l1).
    ``pair_scores(emb_a [Q, D], emb_b [S, D]) -> [Q, S]``, higher = more likely the same class, is what one-shot
    scoring ranks support images by. ``layer_names`` / ``activations`` are the embedding net's.
    """

    def __init__(self, embedding: nn.Module, head: str = "euclidean"):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f"model.head must be one of {list(HEADS)}, got {head!r}")
        self.embedding = embedding
        self.head_name = head
        dim = getattr(embedding, "embedding_dim", None)
        if head == "weighted_l1" and dim is None:
            raise ValueError("model.head=weighted_l1 needs an embedding net with an embedding_dim attribute")
        self.head = VerificationHead(dim) if head == "weighted_l1" else None
        self.embedding_dim = dim

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.embedding(images)

    def forward_pair(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        e1, e2 = self.embedding(x1), self.embedding(x2)
        if self.head_name == "euclidean":
            return (e1 - e2).norm(dim=1)
        if self.head_name == "cosine":
            return F.cosine_similarity(e1, e2, dim=1)
        return self.head(e1, e2)

    def pair_logits(self, e1: torch.Tensor, e2: torch.Tensor) -> torch.Tensor:
        """The verification head's logits of row-wise embedding pairs [P, D], [P, D] -> [P] (weighted_l1 only)."""
        if self.head is None:
            raise ValueError(f"pair logits need model.head=weighted_l1, this SiameseNet has head={self.head_name!r}")
        return self.head.logits(e1, e2)

    def pair_scores(self, emb_a: torch.Tensor, emb_b: torch.Tensor) -> torch.Tensor:
        """[Q, S] scores of every (query, support) pair of embeddings; higher = more likely the same class."""
        if self.head_name == "euclidean":
            return -torch.cdist(emb_a, emb_b)
        if self.head_name == "cosine":
            return F.normalize(emb_a, dim=1) @ F.normalize(emb_b, dim=1).T
        return self.head.score_matrix(emb_a, emb_b)

    @property
    def layer_names(self) -> list[str]:
        return list(self.embedding.layer_names)

    def activations(self, x: torch.Tensor, layers=None) -> dict[str, torch.Tensor]:
        return self.embedding.activations(x, layers)
