"""Class-disjoint splits (train_classes / test_classes) on MNIST, a torchvision-family format, an image
folder and an npz file: train and val hold only the train classes, test only the test classes; the checks."""

import pytest
import torch

from siamese.data.class_split import resolve_class_split
from siamese.data.image_datamodule import ImageDataModule
from siamese.data.mnist import MNISTDataModule
from tests.dataset_files import pin_cifar_md5, write_cifar, write_image_folder, write_npz

NAMES = ["zero", "one", "two", "three"]


def test_resolve_class_split():
    assert resolve_class_split(NAMES, train_classes=[0, "one"], test_classes=["THREE"]) == \
        {"train": (0, 1), "test": (3,)}
    assert resolve_class_split(NAMES, classes=[2, 3]) == {"train": (2, 3), "test": (2, 3)}
    assert resolve_class_split(NAMES, test_classes=[3]) == {"train": None, "test": (3,)}


def test_class_in_both_lists_is_named():
    with pytest.raises(ValueError, match=r"^test_classes=\[2, 3\]: class 'two' \(id 2\) is in both train_classes "
                                         "and test_classes"):
        resolve_class_split(NAMES, train_classes=[0, 1, 2], test_classes=[2, 3])


def test_classes_with_a_split_is_refused():
    with pytest.raises(ValueError, match=r"^classes=\[0, 1\]: give classes or train_classes/test_classes, not both"):
        resolve_class_split(NAMES, classes=[0, 1], train_classes=[0])
    with pytest.raises(ValueError, match=r"^test_classes=\['four'\]: unknown class 'four'"):
        resolve_class_split(NAMES, train_classes=[0], test_classes=["four"])


def split_labels(module):
    module.setup()
    return {split: set(module.datasets[split].labels.tolist()) for split in ("train", "val", "test", "test_shifted")}


def test_mnist_zero_to_four_then_five_to_nine(tmp_path):
    module = MNISTDataModule(train_classes=[0, 1, 2, 3, 4], test_classes=[5, 6, 7, 8, 9], max_train_samples=500,
                             max_test_samples=200)
    labels = split_labels(module)
    assert labels["train"] == labels["val"] == {0, 1, 2, 3, 4}
    assert labels["test"] == labels["test_shifted"] == {5, 6, 7, 8, 9}
    assert module.state_dict()["test_classes"] == [5, 6, 7, 8, 9] and module.digits is None


@pytest.mark.parametrize("name", ["cifar10", "image_folder", "npz"])
def test_every_format_splits_by_class(tmp_path, monkeypatch, name):
    root = tmp_path / "data"
    if name == "cifar10":
        pin_cifar_md5(monkeypatch, write_cifar(root))
        options, train, test = {}, ["airplane", "automobile", "bird"], ["truck", "ship"]
        expected = ({0, 1, 2}, {8, 9})
    elif name == "image_folder":
        write_image_folder(root)
        options, train, test, expected = {"resize": 32, "crop": 32}, ["apple", "bird"], ["cat"], ({0, 1}, {2})
    else:
        root = write_npz(root.with_suffix(".npz"), size=20)
        options, train, test, expected = {}, [0, 1], [2, 3], ({0, 1}, {2, 3})
    module = ImageDataModule(dataset=name, root=root, train_classes=train, test_classes=test, **options)
    labels = split_labels(module)
    assert labels["train"] | labels["val"] == expected[0] and labels["test"] == expected[1]
    assert not torch.isin(module.datasets["train"].labels, torch.tensor(sorted(expected[1]))).any()
