"""The model flags: a Python call names the parameter (``spec``, ``weights``, ``embedding_layer``); the command line
names the flag the user typed (``--model``, ``--weights``, ``--embedding-layer``)."""

from __future__ import annotations

import argparse

import pytest

import siamese
from siamese.models.source_arguments import add_source_arguments, source_from_args


def parsed(*argv):
    parser = argparse.ArgumentParser()
    add_source_arguments(parser)
    return parser.parse_args(argv)


@pytest.mark.parametrize(("argv", "kwargs", "python", "flag", "kind"), [
    (["--model", "not a model"], {"spec": "not a model"}, "spec='not a model': not a file",
     "--model not a model: not a file", ValueError),
    (["--model", "torchscript:missing.pt"], {"spec": "torchscript:missing.pt"},
     "spec='torchscript:missing.pt': no such TorchScript file", "--model torchscript:missing.pt: no such",
     FileNotFoundError),
    (["--model", "torchvision:resnet18", "--weights", "missing.pth"],
     {"spec": "torchvision:resnet18", "weights": "missing.pth"}, "weights=missing.pth: no such file",
     "--weights missing.pth: no such file", FileNotFoundError),
    (["--model", "os:getcwd"], {"spec": "os:getcwd"}, "spec='os:getcwd': getcwd() returned str, not an nn.Module",
     "--model os:getcwd: getcwd() returned str", TypeError),
])
def test_python_names_the_parameter_and_the_command_line_the_flag(argv, kwargs, python, flag, kind):
    with pytest.raises(kind) as direct:
        siamese.load(**kwargs)
    assert str(direct.value).startswith(python), str(direct.value)
    with pytest.raises(ValueError if kind is TypeError else kind) as command_line:
        source_from_args(parsed(*argv))
    assert str(command_line.value).startswith(flag), str(command_line.value)
    assert "spec" not in str(command_line.value) and "weights=" not in str(command_line.value)


def test_a_checkpoint_with_an_embedding_layer_names_the_flag(random_classifier_ckpt):
    with pytest.raises(ValueError, match="^embedding_layer='fc': is for non-checkpoint models"):
        siamese.load(random_classifier_ckpt, embedding_layer="fc")
    with pytest.raises(ValueError, match="^--embedding-layer fc: is for non-checkpoint models"):
        source_from_args(parsed("--model", str(random_classifier_ckpt), "--embedding-layer", "fc"))


def test_a_broken_checkpoint_names_the_model_flag(tmp_path):
    broken = tmp_path / "broken.ckpt"
    broken.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=f"^spec={broken}: (truncated or )?not a checkpoint of this project"):
        siamese.load(broken)
    with pytest.raises(ValueError, match=f"^--model {broken}: (truncated or )?not a checkpoint of this project"):
        source_from_args(parsed("--model", str(broken)))
