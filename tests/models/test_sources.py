"""Model sources: a user's module by module:factory + state_dict, torchvision:NAME + weights file, TorchScript;
their layers (module paths, forward outputs) and preprocessing, against the same computation by hand."""

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from siamese.models.preprocessing import Preprocessing
from siamese.models.sources import load_source

COURSE_DIR = Path(__file__).resolve().parents[2] / "experiments" / "beyond_mnist"
sys.path.insert(0, str(COURSE_DIR))  # the user's module, as PYTHONPATH=experiments/beyond_mnist would make it
from course_net import Net  # noqa: E402


def cosine(a, b):
    a, b = a.reshape(len(a), -1).double(), b.reshape(len(b), -1).double()
    return (F.cosine_similarity(a, b, dim=1)).numpy()


@pytest.fixture
def digits():
    from siamese.data import load_mnist

    images, _ = load_mnist("test")
    return images[:16].numpy(), images[16:32].numpy()


@pytest.fixture
def course_weights(tmp_path):
    torch.manual_seed(3)
    net = Net()
    path = tmp_path / "course_net.pt"
    torch.save(net.state_dict(), path)
    return net.eval(), path


def test_factory_and_state_dict_give_the_layer_similarities_computed_by_hand(digits, course_weights):
    from siamese.human.compare.similarity import layer_similarity

    net, path = course_weights
    model = load_source("course_net:Net", str(path), mean=(0.1307,), std=(0.3081,))
    layers = ["output.1", "output.2", "output.3", "conv1", "fc1"]
    got = layer_similarity(model, *digits, layers=layers)
    a, b = [(torch.as_tensor(x).float()[:, None] / 255 - 0.1307) / 0.3081 for x in digits]
    with torch.no_grad():
        out_a, out_b = net(a), net(b)
        expected = {"output.1": cosine(out_a[1], out_b[1]), "output.2": cosine(out_a[2], out_b[2]),
                    "output.3": cosine(out_a[3], out_b[3]),
                    "conv1": cosine(net.conv1(a), net.conv1(b)),  # module path = the module's own output
                    "fc1": cosine(net.fc1(out_a[2].view(-1, 320)), net.fc1(out_b[2].view(-1, 320)))}
    for layer in layers:
        np.testing.assert_allclose(got[layer], expected[layer], rtol=1e-5, atol=1e-6)
    assert not np.allclose(got["conv1"], got["output.3"])  # conv1 (hook) is before pool+relu, output.3 after


def test_unknown_layers_and_bad_specs_say_what_exists(course_weights):
    _, path = course_weights
    model = load_source("course_net:Net", str(path))
    with pytest.raises(KeyError, match="conv2_drop"):
        model.activations(np.zeros((1, 28, 28), np.uint8), ["conv3"])
    with pytest.raises(KeyError, match="returns 4 outputs"):
        model.activations(np.zeros((1, 28, 28), np.uint8), ["output.7"])
    with pytest.raises(ValueError, match="cannot import"):
        load_source("no_such_package.nets:Net")
    with pytest.raises(FileNotFoundError, match="never downloaded"):
        load_source("course_net:Net", "/nonexistent/weights.pt")


def test_torchscript_file_reads_its_outputs(tmp_path, digits, course_weights):
    net, _ = course_weights
    path = tmp_path / "course.ts"
    torch.jit.script(net).save(str(path))
    model = load_source(str(path), mean=(0.1307,), std=(0.3081,))
    got = model.activations(digits[0], ["output.1"], as_numpy=False)["output.1"]
    with torch.no_grad():
        expected = net(model.normalize(digits[0]))[1]
    torch.testing.assert_close(got, expected)
    with pytest.raises(KeyError, match="only output"):
        model.activations(digits[0], ["conv1"])


def test_torchvision_source_loads_a_local_weights_file_and_declares_imagenet_preprocessing(tmp_path):
    import torchvision

    torch.manual_seed(0)
    reference = torchvision.models.resnet18(weights=None).eval()
    path = tmp_path / "resnet18_random.pt"
    torch.save(reference.state_dict(), path)
    model = load_source("torchvision:resnet18", str(path), size=64)
    assert model.preprocessing.mean == (0.485, 0.456, 0.406) and model.preprocessing.size == (64, 64)
    images = np.random.default_rng(0).integers(0, 256, size=(3, 40, 50, 3), dtype=np.uint8)  # any size, RGB
    got = model.activations(images, ["layer3", "output"], as_numpy=False)
    with torch.no_grad():
        x = model.normalize(images)
        assert x.shape == (3, 3, 64, 64)
        torch.testing.assert_close(got["output"], reference(x))
    assert got["layer3"].shape == (3, 256, 4, 4)


def test_preprocessing_maps_pixels_as_documented():
    white = np.full((1, 2, 2), 255, np.uint8)
    assert Preprocessing(mean=0.1307, std=0.3081)(white)[0, 0, 0, 0].item() == pytest.approx(2.8215, abs=1e-4)
    assert Preprocessing(value_range="symmetric")(white).max().item() == 1.0
    assert Preprocessing(value_range="byte")(white).max().item() == 255.0
    rgb = np.zeros((1, 2, 2, 3), np.uint8)
    rgb[..., 0] = 100  # pure red 100 -> luma 29.9
    assert Preprocessing(value_range="byte")(rgb)[0, 0, 0, 0].item() == pytest.approx(29.9)
    grey = Preprocessing(channels=3, value_range="byte")(white)
    assert grey.shape == (1, 3, 2, 2)
    with pytest.raises(ValueError, match=r"^mean=\(0.1, 0.2\): has 2 values for 3 channel"):
        Preprocessing(channels=3, mean=(0.1, 0.2))
