"""One short real training (Lightning trainer, default callbacks) on every dataset format, without NaN; a
torchvision resnet18 from a local random-weights file; streaming folders; shifts and transforms on RGB."""

import json
import math
from pathlib import Path

import pytest

from siamese.training import train
from tests.dataset_files import (
    pin_cifar_md5,
    pin_svhn_md5,
    write_cifar,
    write_image_folder,
    write_mnist_family,
    write_npz,
    write_svhn,
)

SHORT = ["logger=csv", "trainer.max_epochs=1", "data.batch_size=32", "data.eval_batch_size=64",
         "model.embedding_dim=8", "callbacks.embedding_plot.every_n_epochs=1", "~callbacks.progress_bar"]


def prepare(name, root, monkeypatch):
    if name in ("fashion_mnist", "kmnist"):
        write_mnist_family(root, {"fashion_mnist": "FashionMNIST", "kmnist": "KMNIST"}[name])
    elif name == "emnist":
        write_mnist_family(root, "EMNIST", prefix="emnist-digits")
        return [f"data.root={root}", "data.split=digits"]
    elif name in ("cifar10", "cifar100"):
        pin_cifar_md5(monkeypatch, write_cifar(root, hundred=name == "cifar100"), name == "cifar100")
    elif name == "svhn":
        pin_svhn_md5(monkeypatch, write_svhn(root))
    elif name == "image_folder":
        write_image_folder(root)
        return [f"data.root={root}", "data.resize=32", "data.crop=32"]
    elif name == "npz":
        return [f"data.root={write_npz(root.with_suffix('.npz'), size=28)}"]
    return [f"data.root={root}"]


SLOW = pytest.mark.slow  # ~10-15 s CPU each: two formats run in the default suite, the rest with -m slow


@pytest.mark.parametrize("name", ["cifar10", "image_folder", *(pytest.param(n, marks=SLOW) for n in (
    "fashion_mnist", "kmnist", "emnist", "cifar100", "svhn", "npz"))])
def test_short_training_on_each_format_has_no_nan(cfg_factory, tmp_path, monkeypatch, name):
    cfg = cfg_factory(f"data={name}", *prepare(name, tmp_path / "data", monkeypatch), *SHORT)
    metrics = train(cfg)
    assert all(math.isfinite(v) for v in metrics.values()), metrics
    assert 0 <= metrics["test/precision_at_1"] <= 1
    run = Path(cfg.paths.output_dir)
    stats = json.loads((run / "normalization.json").read_text())
    assert stats["dataset"] == name
    assert (run / "plots" / "embeddings_epoch_001.png").exists()
