"""Models expose named layer activations through one method."""

import pytest
import torch

from siamese.models import ClassifierNet, EmbeddingNet

X = torch.randn(3, 1, 28, 28)


@pytest.mark.parametrize("net,shapes", [
    (ClassifierNet(embedding_dim=2), {"conv1": (3, 10, 12, 12), "conv2": (3, 20, 4, 4), "fc": (3, 50),
                                      "embedding": (3, 2)}),
    (ClassifierNet(num_classes=10), {"conv1": (3, 10, 12, 12), "conv2": (3, 20, 4, 4), "fc": (3, 50),
                                     "logits": (3, 10)}),
    (EmbeddingNet(embedding_dim=5), {"conv1": (3, 32, 12, 12), "conv2": (3, 64, 4, 4), "fc1": (3, 256),
                                     "fc2": (3, 256), "embedding": (3, 5)}),
    (EmbeddingNet(embedding_dim=2, channels=(16, 64), hidden=(128,)),
     {"conv1": (3, 16, 12, 12), "conv2": (3, 64, 4, 4), "fc1": (3, 128), "embedding": (3, 2)}),
])
def test_named_activations(net, shapes):
    net.eval()
    acts = net.activations(X)
    assert {k: tuple(v.shape) for k, v in acts.items()} == shapes
    assert net.layer_names == list(shapes)
    assert torch.equal(acts[net.layer_names[-1]], net(X))


def test_fc_alias_and_unknown_layer():
    net = EmbeddingNet(embedding_dim=2).eval()
    acts = net.activations(X, ["fc", "conv1"])
    assert list(acts) == ["fc", "conv1"] and torch.equal(acts["fc"], net.activations(X, ["fc2"])["fc2"])
    with pytest.raises(KeyError, match="unknown layer 'conv9'"):
        net.activations(X, ["conv9"])


def test_embedding_dim_must_be_positive():
    with pytest.raises(ValueError, match="^embedding_dim=0: must be an integer >= 1"):
        EmbeddingNet(embedding_dim=0)
