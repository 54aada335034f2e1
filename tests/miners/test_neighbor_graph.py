"""Speed options keep the results: NHWC conv weights, the IVF k-NN graph, its recall measure."""

import pytest
import torch

from benchmarks.knn_graph import exact_rows, neighbor_recall
from siamese.miners.neighbor_graph import build_neighbor_graph, ivf_neighbor_graph
from siamese.models import EmbeddingNet


def test_channels_last_net_gives_the_nchw_outputs():
    torch.manual_seed(0)
    nhwc, nchw = EmbeddingNet(embedding_dim=3), EmbeddingNet(embedding_dim=3, channels_last=False)
    nchw.load_state_dict(nhwc.state_dict())
    assert nhwc.stages.conv2[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert nchw.stages.conv2[0].weight.is_contiguous()
    x = torch.randn(5, 1, 28, 28)
    assert torch.allclose(nhwc.eval()(x), nchw.eval()(x), atol=1e-5)


def test_ivf_probing_every_cell_is_the_exact_graph_and_fewer_cells_lose_recall():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(3000, 8, generator=g), torch.randint(0, 3, (3000,), generator=g)
    exact = build_neighbor_graph(x, y, 4)
    full = ivf_neighbor_graph(x, y, 4, nprobe=16, nlist=16)  # every cell probed: exact search
    assert neighbor_recall(full, exact) == 1.0
    approximate = ivf_neighbor_graph(x, y, 4, nprobe=1, nlist=16)
    assert (y[approximate] == y[:, None]).all() and not (approximate == torch.arange(3000)[:, None]).any()
    assert 0.2 < neighbor_recall(approximate, exact) < 1.0
    assert torch.equal(build_neighbor_graph(x, y, 4, search="ivf", nprobe=10_000), exact)
    with pytest.raises(ValueError, match="search='hnsw': must be one of"):
        build_neighbor_graph(x, y, 4, search="hnsw")


def test_exact_rows_and_recall_by_hand():
    x = torch.tensor([[0.0], [1.0], [3.0], [10.0], [11.0], [13.0]])
    y = torch.tensor([0, 0, 0, 1, 1, 1])
    assert exact_rows(x, y, torch.tensor([0, 5]).numpy(), 1).tolist() == [[1], [4]]
    assert neighbor_recall(torch.tensor([[1, 2], [3, 4]]), torch.tensor([[2, 1], [3, 5]])) == 0.75
