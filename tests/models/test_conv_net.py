"""ConvNet: the four-block convnet of few-shot Omniglot, its layers and image sizes."""

import pytest
import torch

from siamese.models import ConvNet


@pytest.mark.parametrize("size, side", [(28, 1), (40, 2)])
def test_layers_and_sizes(size, side):
    net = ConvNet(embedding_dim=16, channels=(8, 8, 8, 8), image_size=size).eval()
    x = torch.rand(2, 1, size, size)
    acts = net.activations(x)
    assert net.layer_names == ["block1", "block2", "block3", "block4", "embedding"]
    assert acts["block4"].shape == (2, 8, side, side) and acts["embedding"].shape == (2, 16)
    assert torch.allclose(acts["embedding"], net(x))


def test_too_small_an_image_fails_naming_the_keys():
    with pytest.raises(ValueError, match="model.image_size"):
        ConvNet(image_size=8)
