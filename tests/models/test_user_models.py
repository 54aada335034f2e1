"""A user's own network through ``siamese.load`` / ``--model module:factory``: dict, tuple, None and string
outputs, a 3-channel net given grey images, weights files that are not state dicts or do not fit, a factory that
needs arguments, a forward that raises, and images outside 0-255. Each gives the values (checked against the
net called by hand) or one message naming the source and what is accepted."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
import torch

import siamese
from siamese.models.hooked_net import ForwardError, LayerError
from siamese.utils.checkpoints import CheckpointError

USER_MODULE = '''
import torch
import torch.nn.functional as F
from torch import nn


class Small(nn.Module):
    def __init__(self, channels=1):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 4, 3)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.fc = nn.Linear(6, 5)

    def parts(self, x):
        a = F.relu(self.conv1(x))
        b = F.relu(self.conv2(a))
        return a, b, self.fc(b.mean((2, 3)))


class DictNet(Small):
    def forward(self, x):
        a, b, e = self.parts(x)
        return {"conv1": a, "conv2": b, "embedding": e}


class TupleNet(Small):
    def forward(self, x):
        a, b, e = self.parts(x)
        return F.log_softmax(e, 1), e, b, a


class NoneNet(Small):
    def forward(self, x):
        self.parts(x)


class TextNet(Small):
    def forward(self, x):
        return "features"


class BrokenNet(Small):
    def forward(self, x):
        a, b, e = self.parts(x)
        return e.view(len(x), 7)  # the user's own bug


def dict_net():
    torch.manual_seed(0)
    return DictNet()


def tuple_net():
    torch.manual_seed(0)
    return TupleNet()


def none_net():
    return NoneNet()


def text_net():
    return TextNet()


def broken_net():
    return BrokenNet()


def rgb_net():
    return TupleNet(channels=3)


def wide_net(width, depth=2):
    return TupleNet()
'''


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """The user's module on disk, importable as PYTHONPATH=<dir> would make it."""
    name = f"user_nets_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(USER_MODULE))
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


@pytest.fixture
def digits():
    return np.random.RandomState(0).randint(0, 256, (5, 28, 28)).astype(np.uint8)


def by_hand(net, images):
    with torch.no_grad():
        return net(torch.as_tensor(images).float()[:, None] / 255)


def test_a_dict_output_is_read_by_key(user_module, digits):
    model = siamese.load(f"{user_module}:dict_net")
    got = model.activations(digits, ["output.conv2", "output.embedding"])
    expected = by_hand(__import__(user_module).dict_net(), digits)
    np.testing.assert_allclose(got["output.conv2"], expected["conv2"].numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got["output.embedding"], expected["embedding"].numpy(), rtol=1e-5, atol=1e-6)
    assert model.default_layers(digits)[:3] == ["output.conv1", "output.conv2", "output.embedding"]
    with pytest.raises(LayerError, match=r"returns 3 outputs: output.conv1, output.conv2, output.embedding"):
        model.activations(digits, ["output.fc"])


@pytest.mark.parametrize(("factory", "described"), [("none_net", "returned None"),
                                                    ("text_net", "returned the str 'features'")])
def test_a_forward_returning_no_tensor_says_what_it_returned_and_what_is_accepted(user_module, digits, factory,
                                                                                   described):
    model = siamese.load(f"{user_module}:{factory}")
    with pytest.raises(LayerError, match=f"forward of {user_module}:{factory} {described} .*accepted: a tensor, "
                                         "a tuple/list of tensors or a dict of tensors"):
        model.embed(digits)


def test_a_tuple_output_with_the_default_layers_scores_every_output_and_module(user_module, digits):
    from siamese.human.compare.similarity import layer_similarity

    model = siamese.load(f"{user_module}:tuple_net")
    got = layer_similarity(model, digits, digits[::-1])  # default layers: before the fix, KeyError 'output'
    assert list(got) == ["output.0", "output.1", "output.2", "output.3", "conv1", "conv2", "fc"]
    expected_a, expected_b = by_hand(__import__(user_module).tuple_net(), digits), \
        by_hand(__import__(user_module).tuple_net(), digits[::-1].copy())
    cosine = torch.nn.functional.cosine_similarity(expected_a[1].double(), expected_b[1].double(), dim=1)
    np.testing.assert_allclose(got["output.1"], cosine.numpy(), rtol=1e-5)


def test_a_three_channel_model_given_grey_images_says_channels_before_any_work(user_module, digits):
    import argparse

    from siamese.models.source_arguments import add_source_arguments, source_from_args

    rule = f"the first layer conv1 of {user_module}:rgb_net takes 3 input channel\\(s\\); set it to 3"
    with pytest.raises(ValueError, match=f"^channels=1: {rule}$"):
        siamese.load(f"{user_module}:rgb_net")
    parser = argparse.ArgumentParser()
    add_source_arguments(parser)
    with pytest.raises(ValueError, match=f"^--channels 1: {rule}$"):
        source_from_args(parser.parse_args(["--model", f"{user_module}:rgb_net"]))
    assert siamese.load(f"{user_module}:rgb_net", channels=3).embed(digits).shape == (5, 5)


def test_a_weights_file_that_is_not_a_state_dict_says_so(user_module, tmp_path):
    garbage, text, pickled = tmp_path / "garbage.pt", tmp_path / "notes.txt", tmp_path / "whole_model.pt"
    garbage.write_bytes(b"\x00garbage bytes" * 10)
    text.write_text("hello")
    torch.save(__import__(user_module).tuple_net(), pickled)  # the whole module pickled, not its state_dict
    for path in (garbage, text):  # text: KeyError 101 before; garbage: torch's "Please file an issue" text
        with pytest.raises(CheckpointError, match=f"weights={path}: truncated or not a weights file "
                                                  r"\(expected a state_dict: torch.save\(model.state_dict"):
            siamese.load(f"{user_module}:tuple_net", str(path))
    with pytest.raises(CheckpointError, match=f"not a weights file .* holds a pickled {user_module}.TupleNet "
                                              "object, which is never loaded"):
        siamese.load(f"{user_module}:tuple_net", str(pickled))


def test_a_factory_that_needs_arguments_is_named_with_the_missing_ones(user_module):
    with pytest.raises(ValueError, match=f"spec='{user_module}:wide_net': wide_net\\(\\) is called without "
                                        "arguments but needs width;"):
        siamese.load(f"{user_module}:wide_net")


def test_weights_with_other_keys_list_the_missing_and_unexpected_ones(user_module, tmp_path):
    state = __import__(user_module).tuple_net().state_dict()
    state.pop("fc.bias")
    state["conv2.weight"] = torch.zeros(6, 4, 5, 5)
    state.update({f"head.{i}.weight": torch.zeros(1) for i in range(12)})
    path = tmp_path / "other.pt"
    torch.save(state, path)
    with pytest.raises(ValueError, match=f"weights={path}: "
                                         r"the weights do not fit TupleNet: missing keys \(1\): fc.bias; unexpected "
                                         r"keys \(12\): head.0.weight, .*head.9.weight ... \(12 in all\); shape file "
                                         r"vs model \(1\): conv2.weight \(6, 4, 5, 5\) vs \(6, 4, 3, 3\)"):
        siamese.load(f"{user_module}:tuple_net", str(path))


def test_a_forward_that_raises_names_the_source_and_batch_and_keeps_the_users_error(user_module, digits):
    model = siamese.load(f"{user_module}:broken_net")
    with pytest.raises(ForwardError, match=f"forward of {user_module}:broken_net raised RuntimeError: .*images "
                                           "0-1 of 5") as raised:
        model.embed(digits, batch_size=2)
    assert isinstance(raised.value.__cause__, RuntimeError)  # the user's own error, traceback included
    assert raised.value.__cause__.__traceback__ is not None


@pytest.mark.parametrize(("images", "problem"), [
    (-np.ones((2, 28, 28)), r"1568 pixel values are outside 0-255 \(first: -1.0"),
    (np.full((2, 28, 28), 255000.0), "1568 pixel values are outside 0-255 .*max 255000.0"),
    (np.full((2, 28, 28), np.nan), "1568 pixel values are NaN or infinite"),
    (np.full((2, 28, 28), 300, np.int64), "outside 0-255"),
])
def test_embed_refuses_pixels_that_are_nan_or_outside_0_255(user_module, images, problem):
    model = siamese.load(f"{user_module}:tuple_net")
    with pytest.raises(ValueError, match=problem):
        model.embed(images)
    assert model.embed(np.full((2, 28, 28), 255.0)).shape == (2, 5)  # the edges of the range are fine
