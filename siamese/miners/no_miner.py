"""No mining: the loss sees the whole batch."""

from __future__ import annotations

from siamese.miners.base import BaseMiner


class NoMiner(BaseMiner):
    """Returns None, which pml's losses (and ``BasePairLoss``) read as "every pair of the batch". For the losses
    that do their own weighting over the whole batch (proxy and softmax losses such as ``ProxyAnchorLoss`` and
    ``NormalizedSoftmaxLoss``, ``MultiSimilarityLoss`` without its miner): a pml proxy loss given mined tuples
    would weight its terms by how often each sample appears in them."""

    def forward(self, embeddings, labels, ref_emb=None, ref_labels=None, indices=None):
        if len(labels) != len(embeddings):
            raise ValueError(f"miner got {len(labels)} labels for {len(embeddings)} embeddings")
        return None

    def mine(self, embeddings, labels, ref_emb, ref_labels):
        return None
