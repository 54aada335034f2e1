"""k-NN positives: an anchor's positives are its k nearest neighbours within its class over the WHOLE train set."""

from __future__ import annotations

import logging
import time

import torch
from pytorch_metric_learning.losses import TripletMarginLoss

from siamese.miners.base import BaseMiner
from siamese.miners.neighbor_graph import SEARCHES, build_neighbor_graph
from siamese.miners.random_draw import check_draw_counts, draw_random_pairs
from siamese.models.layer_reader import read_layer, read_output
from siamese.models.loading import load_net
from siamese.samplers.knn_batch_sampler import KNNBatchSampler
from siamese.utils.parameters import ParameterError, check_integer

log = logging.getLogger(__name__)

REFERENCES = ("pixels", "embedding", "checkpoint_layer")
NEGATIVES = ("other_class", "other_class_and_non_neighbors")
OUTPUTS = ("pairs", "triplets", "auto")


class KNNMiner(BaseMiner):
    """Positives from a within-class k-NN graph over the whole training set; negatives per ``negatives``.

    - Graph: ``graph[i]`` = the k nearest same-label train items of item i (``build_neighbor_graph``, squared
      Euclidean; ``graph_search``: ``exact`` faiss search, ``ivf`` approximate faiss IVF, ``auto`` IVF beyond 1M
      items) in a ``reference`` space:
      ``pixels`` (default) the normalized train images as the train loader serves them (with
      ``data.shift.train=true data.shift.train_mode=fixed`` these are the shifted images, so a left-shifted 4
      has left-shifted 4s as neighbours; with ``train_mode=random`` the graph is over the unshifted images);
      ``embedding`` the current model's embedding, rebuilt at the start of every ``rebuild_every_n_epochs``-th
      epoch (epoch 0 uses pixels: an untrained net's embedding says nothing);
      ``checkpoint_layer`` the flattened activations of ``layer`` of the net in ``checkpoint``
      (``siamese.models.loading.load_net`` + ``siamese.models.layer_reader.read_layer``).
    - The graph is built when the train loader asks for ``batch_sampler(dataset, batch_size)`` (wire it with
      ``data.batch_sampler``; ``siamese.training.build`` does so for every miner that has one): batches are groups of
      anchors with their neighbours (``KNNBatchSampler``), so every anchor meets positives.
    - Pair kinds inside a batch (``N(i)`` = the k neighbours of i): positive (i, j) iff j in N(i);
      ``negatives=other_class``: j has another label; ``negatives=other_class_and_non_neighbors``: also the same
      label when neither j in N(i) nor i in N(j) (a "false negative" of the plain Siamese pairing).
    - Per anchor ``num_positives`` random positives and ``num_negatives`` random negatives (with replacement).
      ``output``: ``pairs`` ``(a1, p, a2, n)``, ``triplets`` ``(a, p, n)`` (anchor, a random neighbour, a negative
      of the regime), or ``auto``: triplets for a triplet loss, else pairs (set by the Lightning module).
    """

    def __init__(self, k: int = 5, reference: str = "pixels", rebuild_every_n_epochs: int = 1,
                 checkpoint: str | None = None, layer: str | None = None, negatives: str = "other_class",
                 output: str = "auto", num_positives: int = 1, num_negatives: int = 1,
                 neighbors_per_anchor: int | None = None, graph_search: str = "exact", **kwargs):
        super().__init__(**kwargs)
        check_integer("k", k, 1)
        if reference not in REFERENCES:
            raise ParameterError("reference", reference, f"must be one of {REFERENCES}")
        if negatives not in NEGATIVES:
            raise ParameterError("negatives", negatives, f"must be one of {NEGATIVES}")
        if reference == "checkpoint_layer" and (not checkpoint or not layer):
            raise ParameterError("reference", reference, "needs checkpoint and layer")
        check_integer("rebuild_every_n_epochs", rebuild_every_n_epochs, 1)
        if neighbors_per_anchor is not None:
            check_integer("neighbors_per_anchor", neighbors_per_anchor, 1)
        check_draw_counts(num_positives, num_negatives, output, OUTPUTS)
        if graph_search not in SEARCHES:
            raise ParameterError("graph_search", graph_search, f"must be one of {SEARCHES}")
        self.graph_search = graph_search
        self.k, self.reference, self.rebuild_every_n_epochs = k, reference, rebuild_every_n_epochs
        self.checkpoint, self.layer, self.negatives, self.output = checkpoint, layer, negatives, output
        self.num_positives, self.num_negatives = num_positives, num_negatives
        self.neighbors_per_anchor = k if neighbors_per_anchor is None else neighbors_per_anchor
        self.dataset = None
        self.graph: torch.Tensor | None = None       # [N, k] dataset positions
        self._device_copies: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}  # device -> (position, graph)
        self.position: torch.Tensor | None = None    # MNIST index -> dataset position (-1: not in the train set)
        self.graph_seconds = 0.0

    # ------------------------------------------------------------------------------------------ the graph
    def infer_output(self, loss) -> None:
        """``output=auto``: triplets for a triplet loss, pairs otherwise."""
        if self.output == "auto":
            self.output = "triplets" if isinstance(loss, TripletMarginLoss) else "pairs"

    def batch_sampler(self, dataset, batch_size: int) -> KNNBatchSampler:
        """Attach the train dataset, build the graph (once) and return the sampler that groups anchors with
        their neighbours."""
        if self.dataset is not dataset:
            self.dataset = dataset
            indices = dataset.indices.cpu()
            self.position = torch.full((int(indices.max()) + 1,), -1, dtype=torch.long)
            self.position[indices] = torch.arange(len(indices))
            if getattr(dataset, "random_shifts", None) is not None and self.reference == "pixels":
                log.warning("reference=pixels with random train shifts: the graph is over the UNSHIFTED images; "
                            "fixed train shifts give a graph over shifted pixels")
            self.set_graph(self._reference_features(None))
        return KNNBatchSampler(self, batch_size, min(self.neighbors_per_anchor, self.k))

    def set_graph(self, features: torch.Tensor) -> None:
        start = time.perf_counter()
        # the graph stays on the CPU (the batch sampler reads it per anchor); the miner copies it to the batch's
        # device once per graph
        self.graph = build_neighbor_graph(features, self.dataset.labels.to(features.device), self.k,
                                          self.graph_search).cpu()
        self._device_copies: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}  # a new graph: copy it again
        self.graph_seconds = time.perf_counter() - start
        log.info("k-NN graph (%s, k=%d) over %d train items: %.2f s", self.reference, self.k, len(self.graph),
                 self.graph_seconds)

    def _reference_features(self, net) -> torch.Tensor:
        images = self.dataset.images  # where the data lives: on a GPU the graph is searched there (torch)
        if self.reference == "checkpoint_layer":
            images = images.cpu()
            loaded = load_net(self.checkpoint)
            return read_layer(loaded.net, self.layer, loaded.normalize(images)).flatten(1)
        x = self.dataset.normalize(images)
        if net is None:  # pixels (also the embedding reference before its first rebuild)
            return x.flatten(1)
        return read_output(net, x, batch_size=2048).float()  # the current embedding, in eval mode

    def on_train_epoch_start(self, module) -> None:
        """Called by the Lightning module: ``reference=embedding`` rebuilds the graph every N epochs."""
        epoch = module.current_epoch
        if self.reference == "embedding" and self.dataset is not None and epoch > 0 \
                and epoch % self.rebuild_every_n_epochs == 0:
            self.set_graph(self._reference_features(module.net))

    # ------------------------------------------------------------------------------------------ mining
    def neighbor_matrix(self, batch_indices: torch.Tensor) -> torch.Tensor:
        """``[B, B]`` bool: ``[i, j]`` iff batch item j is one of batch item i's k neighbours."""
        if self.graph is None:
            raise RuntimeError("KNNMiner has no neighbour graph: the train loader must use its batch_sampler "
                               "(siamese.training.build wires it into the data module's batch_sampler)")
        position, graph = self._on_device(batch_indices.device)
        pos = position[batch_indices]
        if (pos < 0).any():
            raise ValueError("KNNMiner got dataset indices that are not in the train set it was built on")
        nbrs = graph[pos]  # [B, k]
        return (nbrs[:, :, None] == pos[None, None, :]).any(dim=1)

    def _on_device(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """``position`` and ``graph`` on the batch's device, copied once per graph (not once per batch)."""
        key = str(device)
        if key not in self._device_copies:
            self._device_copies[key] = (self.position.to(device), self.graph.to(device))
        return self._device_copies[key]

    def mine(self, embeddings, labels, ref_emb, ref_labels):
        if self.batch_indices is None:
            raise ValueError("KNNMiner needs the batch's dataset indices (miner(emb, labels, indices=...))")
        is_nbr = self.neighbor_matrix(self.batch_indices)
        same = labels[:, None] == labels[None, :]
        is_pos = is_nbr & same
        is_pos.fill_diagonal_(False)
        is_neg = ~same
        if self.negatives == "other_class_and_non_neighbors":
            is_neg = is_neg | (same & ~is_nbr & ~is_nbr.T)
            is_neg.fill_diagonal_(False)
        if self.output == "triplets":
            both = (is_pos.any(1) & is_neg.any(1))[:, None]
            is_pos, is_neg = is_pos & both, is_neg & both
        a1, p = draw_random_pairs(is_pos, self.num_positives)
        a2, n = draw_random_pairs(is_neg, self.num_negatives)
        return (a1, p, n) if self.output == "triplets" else (a1, p, a2, n)
