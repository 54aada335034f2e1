"""SiameseNet: one embedding net with shared weights on both images, its distances and pair scores."""

import math

import pytest
import torch

from siamese.models import EmbeddingNet, SiameseNet, VerificationHead


def make(head="euclidean", dim=4):
    torch.manual_seed(0)
    return SiameseNet(EmbeddingNet(embedding_dim=dim, channels=(4, 8), hidden=(16,)), head=head)


def test_both_branches_are_one_net_with_one_parameter_set():
    net = make()
    assert [id(p) for p in net.parameters()] == [id(p) for p in net.embedding.parameters()]
    x1, x2 = torch.rand(3, 1, 28, 28), torch.rand(3, 1, 28, 28)
    # identical images in both branches: distance exactly 0 (same weights, same computation)
    assert torch.equal(net.forward_pair(x1, x1), torch.zeros(3))
    expected = (net.embedding(x1) - net.embedding(x2)).norm(dim=1)
    assert torch.allclose(net.forward_pair(x1, x2), expected)
    # changing one weight moves both branches: a gradient of the pair distance reaches the one parameter set
    net.forward_pair(x1, x2).sum().backward()
    assert all(p.grad is not None for p in net.parameters())


def test_verification_net_adds_only_the_head_and_scores_pairs():
    net = make("weighted_l1")
    names = [name for name, _ in net.named_parameters()]
    assert names[-2:] == ["head.alpha", "head.bias"] and all(n.startswith("embedding.") for n in names[:-2])
    x1, x2 = torch.rand(3, 1, 28, 28), torch.rand(3, 1, 28, 28)
    e1, e2 = net(x1), net(x2)
    assert torch.allclose(net.forward_pair(x1, x2), torch.sigmoid(net.pair_logits(e1, e2)))
    scores = net.pair_scores(e1, e2)  # [Q, S] logits of every pair; the diagonal is the row-wise pairs
    assert scores.shape == (3, 3) and torch.allclose(scores.diagonal(), net.pair_logits(e1, e2))


def test_pair_scores_rank_like_the_distance():
    a, b = torch.tensor([[0.0, 0.0], [3.0, 4.0]]), torch.tensor([[0.0, 1.0], [3.0, 0.0]])
    net = SiameseNet(EmbeddingNet(embedding_dim=2), head="euclidean")
    assert torch.allclose(net.pair_scores(a, b), -torch.tensor([[1.0, 3.0], [math.sqrt(18), 4.0]]))
    cosine = SiameseNet(EmbeddingNet(embedding_dim=2), head="cosine").pair_scores(a[1:], b)
    assert torch.allclose(cosine, torch.tensor([[0.8, 0.6]]))


def test_verification_head_formula_on_hand_picked_weights():
    head = VerificationHead(2)
    with torch.no_grad():
        head.alpha.copy_(torch.tensor([-1.0, -2.0]))
        head.bias.fill_(0.5)
    e1, e2 = torch.tensor([[0.0, 0.0]]), torch.tensor([[0.5, 0.25]])
    # sigmoid(-1 * 0.5 - 2 * 0.25 + 0.5) = sigmoid(-0.5) = 1 / (1 + e^0.5)
    assert head(e1, e2).item() == pytest.approx(1 / (1 + math.exp(0.5)), abs=1e-7)
    assert head(e1, e2).item() == pytest.approx(0.3775406688, abs=1e-7)
    assert head.score_matrix(e1, torch.cat([e1, e2]))[0].tolist() == pytest.approx([0.5, -0.5])


def test_bad_head_and_missing_embedding_dim_fail_with_the_key():
    with pytest.raises(ValueError, match="model.head"):
        SiameseNet(EmbeddingNet(), head="l3")
    with pytest.raises(ValueError, match="embedding_dim"):
        SiameseNet(torch.nn.Flatten(), head="weighted_l1")


def test_verification_net_trains_through_train_py_and_loads_with_its_head(cfg_factory):
    import siamese
    from siamese.training import train

    cfg = cfg_factory("debug=default", "+trainer.limit_train_batches=2", "+trainer.limit_val_batches=1",
                      "model=siamese_verification", "loss=verification", "logger=none",
                      "callbacks=[last_checkpoint]", "test=false")
    train(cfg)
    loaded = siamese.load(f"{cfg.paths.output_dir}/checkpoints/last.ckpt")
    assert isinstance(loaded.net, SiameseNet) and loaded.net.head_name == "weighted_l1"
    emb = loaded.embed(torch.randint(0, 256, (3, 28, 28), dtype=torch.uint8), as_numpy=False)
    assert emb.shape == (3, 64) and loaded.net.pair_scores(emb, emb).shape == (3, 3)
