"""Random positives and negatives within the batch."""

from __future__ import annotations

import torch

from siamese.miners.base import BaseMiner


class RandomMiner(BaseMiner):
    """For every anchor: ``num_positives`` random same-label partners and ``num_negatives`` random other-label ones.

    Sampling is with replacement among the anchor's candidates in the batch; anchors with no candidate of a kind
    contribute none of it. ``output="pairs"`` returns ``(a1, p, a2, n)``; ``output="triplets"`` returns
    ``(a, p, n)`` with one triplet per (positive, negative) draw (``num_positives`` must equal ``num_negatives``).
    """

    def __init__(self, num_positives: int = 1, num_negatives: int = 1, output: str = "pairs", **kwargs):
        super().__init__(**kwargs)
        if num_positives < 1 or num_negatives < 1:
            raise ValueError(f"miner.num_positives and miner.num_negatives must be >= 1, "
                             f"got {num_positives}, {num_negatives}")
        if output not in ("pairs", "triplets"):
            raise ValueError(f"miner.output must be 'pairs' or 'triplets', got {output!r}")
        if output == "triplets" and num_positives != num_negatives:
            raise ValueError("miner.output=triplets needs num_positives == num_negatives")
        self.num_positives, self.num_negatives, self.output = num_positives, num_negatives, output

    def mine(self, embeddings, labels, ref_emb, ref_labels):
        same = labels[:, None] == ref_labels[None, :]
        if ref_emb is embeddings:
            same.fill_diagonal_(False)
            is_pos = same
            is_neg = labels[:, None] != ref_labels[None, :]
        else:
            is_pos, is_neg = same, ~same
        if self.output == "triplets":  # only anchors that have both a positive and a negative
            both = (is_pos.any(dim=1) & is_neg.any(dim=1))[:, None]
            is_pos, is_neg = is_pos & both, is_neg & both
        a1, p = self._draw(is_pos, self.num_positives)
        a2, n = self._draw(is_neg, self.num_negatives)
        return (a1, p, a2, n) if self.output == "pairs" else (a1, p, n)

    @staticmethod
    def _draw(candidates: torch.Tensor, per_anchor: int) -> tuple[torch.Tensor, torch.Tensor]:
        """``per_anchor`` uniform draws (with replacement) from each row's True columns."""
        has_any = candidates.any(dim=1)
        anchors = has_any.nonzero().squeeze(1)
        if len(anchors) == 0:
            empty = torch.empty(0, dtype=torch.long, device=candidates.device)
            return empty, empty
        weights = candidates[anchors].float()
        partners = torch.multinomial(weights, per_anchor, replacement=True)  # [A, per_anchor]
        return anchors.repeat_interleave(per_anchor), partners.reshape(-1)
