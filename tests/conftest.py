import os

import pytest

os.environ.setdefault("WANDB_MODE", "offline")
os.environ.setdefault("WANDB_SILENT", "true")


@pytest.fixture
def cfg_factory(tmp_path):
    """``cfg_factory(*overrides)``: the composed training config with its run directory in tmp_path."""
    from siamese.config import compose_config

    def make(*overrides):
        return compose_config(overrides, output_dir=tmp_path / "run")

    return make


@pytest.fixture(scope="session")
def random_classifier_ckpt(tmp_path_factory):
    """A checkpoint in train.py's format (run config, ``net.`` weights, data-module normalization) of the
    classifier convnet with seeded random weights: a real frozen net for the commands, without training."""
    import torch

    from siamese.models import ClassifierNet

    with torch.random.fork_rng(devices=[]):  # leave the global RNG as other tests expect it
        torch.manual_seed(0)
        net = ClassifierNet(num_classes=10)
    path = tmp_path_factory.mktemp("ckpt") / "random.ckpt"
    torch.save({"siamese_config": {"model": {"_target_": "siamese.models.ClassifierNet", "num_classes": 10},
                                   "task_name": "random-classifier"},
                "state_dict": {f"net.{k}": v for k, v in net.state_dict().items()},
                "MNISTDataModule": {"mean": 0.1307, "std": 0.3081}}, path)
    return path
