"""k-NN graph, k-NN miner regimes, k-NN batches, pml-backed hard miners."""

import pytest
import torch
from pytorch_metric_learning.distances import LpDistance
from pytorch_metric_learning.miners import BatchHardMiner, TripletMarginMiner

from siamese.data.image_dataset import DigitTensorDataset
from siamese.miners import KNNMiner, PMLMiner, brute_force_neighbor_graph, build_neighbor_graph
from siamese.samplers.knn_batch_sampler import KNNBatchSampler


@pytest.mark.parametrize("k", [1, 5])
def test_faiss_graph_equals_brute_force_cdist(k):
    torch.manual_seed(0)
    x, y = torch.randn(600, 12), torch.randint(0, 3, (600,))
    graph = build_neighbor_graph(x, y, k)
    assert graph.shape == (600, k) and graph.dtype == torch.long
    assert torch.equal(graph, brute_force_neighbor_graph(x, y, k))
    assert (y[graph] == y[:, None]).all() and (graph != torch.arange(600)[:, None]).all()


def test_graph_by_hand_and_bad_k():
    x = torch.tensor([[0.0], [1.0], [3.0], [10.0], [0.5]])
    y = torch.tensor([0, 0, 0, 1, 1])
    with pytest.raises(ValueError, match="k=2: needs more than k items"):
        build_neighbor_graph(x, y, 2)
    x, y = torch.tensor([[0.0], [1.0], [3.0], [10.0]]), torch.tensor([0, 0, 0, 0])
    assert build_neighbor_graph(x, y, 2).tolist() == [[1, 2], [0, 2], [1, 0], [2, 1]]


def make_dataset(n=300, seed=0):
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8, generator=g)
    labels = torch.randint(0, 2, (n,), generator=g) * 5 + 4
    return DigitTensorDataset(images, labels, torch.arange(1000, 1000 + n), 0.13, 0.3)


def mined(negatives, output="pairs", batch_size=64):
    dataset = make_dataset()
    miner = KNNMiner(k=5, negatives=negatives, output=output, num_positives=2,
                     num_negatives=2 if output == "triplets" else 4)
    sampler = miner.batch_sampler(dataset, batch_size)
    pixels = dataset.normalize(dataset.images).flatten(1)
    assert torch.equal(miner.graph, brute_force_neighbor_graph(pixels, dataset.labels, 5))
    for positions in sampler:
        batch = dataset.__getitems__(positions)
        emb = torch.randn(len(positions), 2)
        yield miner, batch, miner(emb, batch["label"], indices=batch["index"])


@pytest.mark.parametrize("negatives", ["other_class", "other_class_and_non_neighbors"])
def test_knn_positives_are_graph_neighbours_and_negatives_follow_the_regime(negatives):
    seen_same_digit_negative = False
    for miner, batch, (a1, p, a2, n) in mined(negatives):
        pos = batch["index"] - 1000  # dataset positions
        assert len(a1) > 0.8 * len(pos)  # the batches feed the miner: nearly every item has a neighbour
        assert all(pos[j] in miner.graph[pos[i]] for i, j in zip(a1.tolist(), p.tolist()))
        label = batch["label"]
        if negatives == "other_class":
            assert (label[a2] != label[n]).all()
        else:
            neighbour = torch.tensor([pos[j] in miner.graph[pos[i]] or pos[i] in miner.graph[pos[j]]
                                      for i, j in zip(a2.tolist(), n.tolist())], dtype=torch.bool)
            assert not neighbour.any() and (a2 != n).all()
            seen_same_digit_negative |= bool((label[a2] == label[n]).any())
    assert negatives == "other_class" or seen_same_digit_negative


def test_knn_triplets_anchor_neighbour_negative():
    for miner, batch, (a, p, n) in mined("other_class", output="triplets"):
        pos, label = batch["index"] - 1000, batch["label"]
        assert len(a) > 0 and (label[a] != label[n]).all()
        assert all(pos[j] in miner.graph[pos[i]] for i, j in zip(a.tolist(), p.tolist()))


def test_knn_batches_cover_the_epoch_and_group_neighbours():
    dataset = make_dataset()
    miner = KNNMiner(k=5)
    batches = list(miner.batch_sampler(dataset, 60))
    assert len(batches) == 5 and all(len(b) == 60 == len(set(b)) for b in batches)


def test_knn_miner_rejects_bad_settings():
    with pytest.raises(ValueError, match="reference='voxels': must be one of"):
        KNNMiner(reference="voxels")
    with pytest.raises(ValueError, match="negatives='all': must be one of"):
        KNNMiner(negatives="all")
    with pytest.raises(ValueError, match="reference='checkpoint_layer': needs checkpoint and layer"):
        KNNMiner(reference="checkpoint_layer")
    with pytest.raises(RuntimeError, match="batch_sampler"):
        KNNMiner()(torch.randn(4, 2), torch.tensor([0, 0, 1, 1]), indices=torch.arange(4))


@pytest.mark.parametrize("name, kwargs, reference", [
    ("BatchHardMiner", {}, BatchHardMiner),
    ("TripletMarginMiner", {"type_of_triplets": "semihard", "margin": 1.0}, TripletMarginMiner),
])
def test_pml_hard_miners_return_what_pml_returns(name, kwargs, reference):
    torch.manual_seed(1)
    emb, labels = torch.randn(48, 2), torch.randint(0, 2, (48,))
    ours = PMLMiner(name, distance=LpDistance(normalize_embeddings=False), **kwargs)
    theirs = reference(distance=LpDistance(normalize_embeddings=False), **kwargs)
    for a, b in zip(ours(emb, labels, indices=torch.arange(48)), theirs(emb, labels)):
        assert torch.equal(a, b)


def test_pml_miner_warmup_uses_random_pairs_then_pml():
    class Module:
        current_epoch = 0

    emb, labels = torch.randn(32, 2), torch.randint(0, 2, (32,))
    miner = PMLMiner("BatchHardMiner", warmup_epochs=1)
    miner.on_train_epoch_start(Module())
    assert len(miner(emb, labels)) == 4  # random pairs
    Module.current_epoch = 1
    miner.on_train_epoch_start(Module())
    assert len(miner(emb, labels)) == 3  # batch-hard triplets


def test_embedding_reference_is_rebuilt_every_n_epochs_from_the_current_net():
    dataset = make_dataset(120)
    miner = KNNMiner(k=3, reference="embedding", rebuild_every_n_epochs=2)
    miner.batch_sampler(dataset, 32)
    pixels_graph = miner.graph.clone()
    assert torch.equal(pixels_graph, brute_force_neighbor_graph(dataset.normalize(dataset.images).flatten(1),
                                                                dataset.labels, 3))  # epoch 0: pixels
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 2))

    class Module:
        def __init__(self, epoch):
            self.current_epoch, self.net = epoch, net

    miner.on_train_epoch_start(Module(1))
    assert torch.equal(miner.graph, pixels_graph)  # not a rebuild epoch
    miner.on_train_epoch_start(Module(2))
    with torch.no_grad():
        embedded = net(dataset.normalize(dataset.images))
    assert torch.equal(miner.graph, brute_force_neighbor_graph(embedded, dataset.labels, 3))


def test_knn_batches_under_ddp_split_the_anchors_between_processes_and_change_each_epoch():
    """What Lightning does under DDP: re-create the batch sampler with its DistributedSampler, set_epoch each
    epoch. Each process then draws its anchors from its own shard; together they cover the train set once."""
    from torch.utils.data import DistributedSampler

    dataset = make_dataset(n=301)
    miner = KNNMiner(k=5)
    miner.batch_sampler(dataset, 32)
    first_items, per_rank = {}, {}
    for rank in range(2):
        shard = DistributedSampler(dataset, num_replicas=2, rank=rank, shuffle=True, seed=0)
        sampler = KNNBatchSampler(miner, 32, neighbors_per_anchor=5, sampler=shard)
        per_rank[rank] = set(shard)
        assert len(sampler) == -(-151 // 32)  # ceil(ceil(301 / 2) / 32) batches on every process
        batches = list(sampler)
        first_items[rank] = [b[0] for b in batches]
        # every batch starts with an anchor of this process's shard, followed by its neighbours
        assert all(b[0] in per_rank[rank] for b in batches)
        assert all(set(b[1:6]) <= set(miner.graph[b[0]].tolist()) for b in batches)
        shard.set_epoch(1)
        assert [b[0] for b in sampler] != first_items[rank], "the anchor order must change between epochs"
    assert per_rank[0] | per_rank[1] == set(range(301))
    assert len(per_rank[0] & per_rank[1]) <= 1  # DistributedSampler pads the odd item


@pytest.mark.slow  # train.py with trainer=ddp end to end, like tests/test_training_ddp.py; the split is tested above
def test_train_py_knn_miner_with_ddp_on_two_cpu_processes(tmp_path):
    import json

    from sweep_helpers import TINY, run_train

    run_train(["experiment=shift_knn_regime1", "trainer=ddp", "trainer.accelerator=cpu", "logger=csv", *TINY,
               f"hydra.run.dir={tmp_path}"], timeout=300)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["epochs"] == 1.0
    # 360 train images (debug=default) over 2 processes of 64: the gathered batch has ~128 items, nearly all with a
    # neighbour; one process alone would mine at most 64 per batch
    assert metrics["train/num_pos_pairs"] > 64
