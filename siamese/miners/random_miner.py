"""Random positives and negatives within the batch."""

from __future__ import annotations

from siamese.miners.base import BaseMiner
from siamese.miners.random_draw import check_draw_counts, random_tuples


class RandomMiner(BaseMiner):
    """For every anchor: ``num_positives`` random same-label partners and ``num_negatives`` random other-label ones.

    Sampling is with replacement among the anchor's candidates in the batch; anchors with no candidate of a kind
    contribute none of it. ``output="pairs"`` returns ``(a1, p, a2, n)``; ``output="triplets"`` returns
    ``(a, p, n)`` with one triplet per (positive, negative) draw (``num_positives`` must equal ``num_negatives``).
    """

    def __init__(self, num_positives: int = 1, num_negatives: int = 1, output: str = "pairs", **kwargs):
        super().__init__(**kwargs)
        check_draw_counts(num_positives, num_negatives, output)
        self.num_positives, self.num_negatives, self.output = num_positives, num_negatives, output

    def mine(self, embeddings, labels, ref_emb, ref_labels):
        return random_tuples(labels, ref_labels, ref_emb is embeddings, self.num_positives, self.num_negatives,
                             self.output)
