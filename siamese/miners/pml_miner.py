"""Any pytorch-metric-learning miner, chosen by class name."""

from __future__ import annotations

from pytorch_metric_learning import miners as pml_miners

from siamese.miners.base import BaseMiner


class PMLMiner(BaseMiner):
    """Wraps ``pytorch_metric_learning.miners.<name>(**kwargs)`` so it takes the framework's call (dataset indices
    are accepted and ignored) and returns exactly what the pml miner returns."""

    def __init__(self, name: str, **kwargs):
        super().__init__()
        miner_class = getattr(pml_miners, name, None)
        if miner_class is None or not isinstance(miner_class, type) or not issubclass(miner_class, pml_miners.BaseMiner):
            options = sorted(n for n in dir(pml_miners) if n.endswith("Miner") and n != "BaseMiner")
            raise ValueError(f"miner.name={name!r} is not a pytorch-metric-learning miner; options: {options}")
        self.name = name
        self.inner = miner_class(**kwargs)

    def mine(self, embeddings, labels, ref_emb, ref_labels):
        return self.inner.mine(embeddings, labels, ref_emb, ref_labels)
