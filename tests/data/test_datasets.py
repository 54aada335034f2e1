"""Every dataset choice read from its real on-disk format (tiny SYNTHETIC files written here) through the real
torchvision classes; the missing-data error; class subsets by name; per-channel normalization."""

import numpy as np
import pytest
import torch

from siamese.data.datasets import make_reader
from siamese.data.image_datamodule import ImageDataModule
from siamese.data.reader import MissingDataError
from tests.dataset_files import (
    pin_cifar_md5,
    pin_svhn_md5,
    write_cifar,
    write_image_folder,
    write_mnist_family,
    write_npz,
    write_svhn,
)


@pytest.mark.parametrize("name,folder", [("fashion_mnist", "FashionMNIST"), ("kmnist", "KMNIST"),
                                         ("mnist", "MNIST")])
def test_mnist_family_idx_files_read_exactly(tmp_path, name, folder):
    written = write_mnist_family(tmp_path, folder)
    reader = make_reader(name, tmp_path)
    for split in ("train", "test"):
        arrays = reader.load(split)
        assert torch.equal(arrays.images[:, 0], torch.as_tensor(written[split][0]))
        assert torch.equal(arrays.labels, torch.as_tensor(written[split][1]))
    if name == "fashion_mnist":
        assert reader.class_names[0] == "T-shirt/top"


def test_emnist_split_is_read_upright(tmp_path):
    written = write_mnist_family(tmp_path, "EMNIST", prefix="emnist-letters", k=10)
    reader = make_reader("emnist", tmp_path, split="letters")
    arrays = reader.load("train")
    assert torch.equal(arrays.images[:, 0], torch.as_tensor(written["train"][0]))  # transposed back
    assert reader.class_names[:3] == ["N/A", "a", "b"]
    with pytest.raises(ValueError, match="not an EMNIST split"):
        make_reader("emnist", tmp_path, split="words")


@pytest.mark.parametrize("hundred", [False, True])
def test_cifar_pickles_read_through_torchvision(tmp_path, monkeypatch, hundred):
    sums = write_cifar(tmp_path, hundred=hundred)
    pin_cifar_md5(monkeypatch, sums, hundred)
    reader = make_reader("cifar100" if hundred else "cifar10", tmp_path)
    train, test = reader.load("train"), reader.load("test")
    assert train.images.shape == (120, 3, 32, 32) and test.images.shape == (40, 3, 32, 32)
    from tests.dataset_files import synthetic_images

    first, labels = synthetic_images(24 if not hundred else 120, 10, size=32, channels=3, seed=0)
    assert torch.equal(train.images[0], torch.as_tensor(first[0]).permute(2, 0, 1))
    assert train.labels[: len(labels)].tolist() == labels.tolist()
    assert len(reader.class_names) == (100 if hundred else 10)


def test_cifar_with_wrong_checksums_is_called_corrupted(tmp_path):
    write_cifar(tmp_path)  # torchvision's md5 of the original release does not match the generated files
    with pytest.raises(ValueError, match="do not match the md5 of the original release"):
        make_reader("cifar10", tmp_path).load("train")


def test_svhn_mat_read_through_torchvision_with_10_as_0(tmp_path, monkeypatch):
    pin_svhn_md5(monkeypatch, write_svhn(tmp_path))
    arrays = make_reader("svhn", tmp_path).load("train")
    from tests.dataset_files import synthetic_images

    images, labels = synthetic_images(120, 10, size=32, channels=3, seed=0)
    assert torch.equal(arrays.images, torch.as_tensor(images).permute(0, 3, 1, 2))
    assert arrays.labels.tolist() == labels.tolist()  # stored as 10 for digit 0


def test_image_folder_of_pngs_any_size_resized_and_cropped(tmp_path):
    write_image_folder(tmp_path / "pics")
    with pytest.raises(ValueError, match="differ in size.*set resize"):
        make_reader("image_folder", tmp_path / "pics").load("train")
    reader = make_reader("image_folder", tmp_path / "pics", resize=32, crop=32)
    train, test = reader.load("train"), reader.load("test")
    assert reader.class_names == ["apple", "bird", "cat"]
    assert train.images.shape[1:] == (3, 32, 32) and len(train.images) + len(test.images) == 60
    assert len(test.images) == 12  # test_fraction 0.2
    grey = make_reader("image_folder", tmp_path / "pics", channels=1, resize=[24, 24]).load("test")
    assert grey.images.shape[1:] == (1, 24, 24)


def test_npz_arrays_split_and_named(tmp_path):
    path = write_npz(tmp_path / "set.npz")
    reader = make_reader("npz", path)
    assert reader.class_names == ["kind0", "kind1", "kind2", "kind3"]
    assert len(reader.load("train").images) == 128 and len(reader.load("test").images) == 32
    np.savez(tmp_path / "bad.npz", pictures=np.zeros((3, 4, 4)))
    with pytest.raises(ValueError, match="needs arrays images"):
        make_reader("npz", tmp_path / "bad.npz").load("train")


@pytest.mark.parametrize("dataset,expected", [
    ("cifar10", ["cifar-10-batches-py/data_batch_1", "cifar-10-batches-py/test_batch",
                 "cifar-10-batches-py/batches.meta"]),
    ("cifar100", ["cifar-100-python/train", "cifar-100-python/test", "cifar-100-python/meta"]),
    ("svhn", ["train_32x32.mat", "test_32x32.mat"]),
    ("fashion_mnist", ["FashionMNIST/raw/train-images-idx3-ubyte", "FashionMNIST/raw/t10k-labels-idx1-ubyte"]),
    ("kmnist", ["KMNIST/raw/train-labels-idx1-ubyte"]),
    ("emnist", ["EMNIST/raw/emnist-balanced-train-images-idx3-ubyte",
                "EMNIST/raw/emnist-balanced-test-labels-idx1-ubyte"]),
])
def test_missing_data_names_the_paths_and_the_fetch_command(tmp_path, dataset, expected):
    with pytest.raises(MissingDataError) as error:
        ImageDataModule(dataset, root=tmp_path / "nothing")  # fails when built, before any training
    text = str(error.value)
    for path in expected:
        assert str(tmp_path / "nothing" / path) in text
    assert "download=True" in text and str(tmp_path / "nothing") in text


def test_classes_by_name_and_per_channel_normalization(tmp_path, monkeypatch):
    pin_cifar_md5(monkeypatch, write_cifar(tmp_path))
    dm = ImageDataModule("cifar10", root=tmp_path, classes=["cat", "dog"], shift={"values": [-0.1, 0.1],
                                                                                  "unit": "fraction"})
    dm.setup()
    assert dm.class_ids == (3, 5) and dm.shift_values == (-3, 3)
    train = dm.datasets["train"]
    assert set(train.labels.tolist()) == {3, 5}
    pixels = train.images.double().numpy() / 255  # [N, 3, 32, 32]
    assert dm.mean == pytest.approx(pixels.mean(axis=(0, 2, 3)).tolist(), rel=1e-5)
    assert dm.std == pytest.approx(pixels.transpose(1, 0, 2, 3).reshape(3, -1).std(axis=1, ddof=1).tolist(), rel=1e-4)
    batch = dm.datasets["val"].__getitems__([0, 1])
    raw = dm.datasets["val"].images[:2].float() / 255
    expected = (raw - torch.tensor(dm.mean)[:, None, None]) / torch.tensor(dm.std)[:, None, None]
    assert torch.allclose(batch["image"], expected, atol=1e-6)
    with pytest.raises(ValueError, match="unknown class 'zebra'"):
        ImageDataModule("cifar10", root=tmp_path, classes=["zebra"])


def test_mnist_digits_are_the_class_subset_by_id_or_name():
    from siamese.data import MNISTDataModule

    assert MNISTDataModule(digits=[4, 9]).class_ids == ImageDataModule("mnist", classes=["4", "9"]).class_ids == (4, 9)
    with pytest.raises(ValueError, match=r"^digits=\[4, 10\]: class id 10 is outside 0-9"):
        MNISTDataModule(digits=[4, 10])


def test_run_images_read_a_non_mnist_run_back_for_review_and_galleries(tmp_path, monkeypatch):
    from siamese.data.run_images import resolved_data_config, split_images, thumbnails
    from siamese.evaluation.plots import error_gallery

    pin_cifar_md5(monkeypatch, write_cifar(tmp_path))
    config = {"data": {"dataset": "cifar10", "root": str(tmp_path), "channels": 3, "shift": {"axis": "vertical"},
                       "run_dir": "${hydra:runtime.output_dir}"}}
    data = resolved_data_config(config)
    assert "run_dir" not in data and data["root"] == str(tmp_path)
    images = split_images(data, [("test", np.array([0, 1]), np.array([0, 3]))])
    test = make_reader("cifar10", tmp_path).load("test").images
    assert images.shape == (2, 32, 32, 3) and np.array_equal(images[0], test[0].permute(1, 2, 0).numpy())
    assert np.array_equal(images[1, 3:], test[1].permute(1, 2, 0).numpy()[:-3])  # shifted 3 rows down
    assert thumbnails(images).shape == (2, 28, 28)
    embedding = np.array([[0.0], [1.0], [0.1], [0.9]], np.float32)
    query = {"embedding": embedding[:2], "label": np.array([0, 1]), "index": np.array([0, 1]),
             "shift": np.zeros(2, int)}
    reference = {"embedding": embedding[2:], "label": np.array([1, 0]), "index": np.array([2, 3]),
                 "shift": np.zeros(2, int)}
    figure, errors = error_gallery(query, reference, "test", k=1, data_config=data)
    assert figure is not None and len(errors["query"]) == 2
