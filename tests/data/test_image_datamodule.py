"""Streaming large folders through DataLoader workers, the shift on any image size and axis, train transforms."""

import pytest
import torch

from siamese.data.image_datamodule import ImageDataModule
from siamese.data.shift import shift_images, validate_shifts
from siamese.training import build
from siamese.utils.config_checks import ConfigError
from siamese.utils.parameters import ParameterError
from tests.dataset_files import write_image_folder, write_npz


def test_a_folder_larger_than_max_memory_streams_the_same_images(tmp_path):
    root = write_image_folder(tmp_path / "pics")
    common = dict(dataset="image_folder", root=root, resize=32, crop=32, batch_size=8,
                  shift={"values": [-4, 4]})
    in_memory = ImageDataModule(**common)
    streamed = ImageDataModule(**common, max_memory_mb=0.01, num_workers=1)
    in_memory.setup(), streamed.setup()
    assert not in_memory.streaming and streamed.streaming
    assert streamed.mean == pytest.approx(in_memory.mean, rel=1e-6)  # all 48 train images < norm_samples
    for split in ("val", "test_shifted"):
        a = next(iter(in_memory.eval_dataloader(split)))
        b = next(iter(streamed.eval_dataloader(split)))  # decoded by a worker process
        assert torch.equal(a["index"], b["index"]) and torch.equal(a["shift"], b["shift"])
        torch.testing.assert_close(a["image"], b["image"])
    with pytest.raises(AttributeError, match="max_memory_mb"):
        _ = streamed.datasets["train"].images


def test_shift_on_rgb_images_of_any_size_both_axes():
    image = torch.zeros(1, 3, 10, 14, dtype=torch.uint8)
    image[0, :, 2, 3] = torch.tensor([10, 20, 30])
    right = shift_images(image, 5)
    assert torch.equal(right[0, :, 2, 8], torch.tensor([10, 20, 30], dtype=torch.uint8)) and right.sum() == 60
    down = shift_images(image, 4, axis="vertical")
    assert torch.equal(down[0, :, 6, 3], torch.tensor([10, 20, 30], dtype=torch.uint8)) and down.sum() == 60
    assert shift_images(image, -4, axis="vertical").sum() == 0  # moved out through the top, nothing wraps
    assert validate_shifts([-0.25, 0.1], width=32, unit="fraction") == (-8, 3)
    with pytest.raises(ValueError, match="at least one pixel"):
        validate_shifts([0.01], width=32, unit="fraction")


def test_vertical_fraction_shifts_in_the_shifted_test_set_and_train_augmentation(tmp_path):
    path = write_npz(tmp_path / "set.npz", size=20)
    dm = ImageDataModule("npz", root=path, shift={"values": [-0.25, 0.25], "unit": "fraction", "axis": "vertical",
                                                  "train": True, "include_unshifted": False})
    dm.setup()
    assert dm.shift_values == (-5, 5)
    test, shifted = dm.datasets["test"], dm.datasets["test_shifted"]
    rows = shifted.shifts == 5
    assert torch.equal(shifted.images[rows], shift_images(test.images, 5, axis="vertical"))
    torch.manual_seed(0)
    batch = dm.datasets["train"].__getitems__(list(range(16)))
    assert set(batch["shift"].tolist()) == {-5, 5}
    raw = dm.datasets["train"].images[:16]
    torch.testing.assert_close(batch["image"], dm.normalize(shift_images(raw, batch["shift"], axis="vertical")))


def test_configured_torchvision_transforms_act_per_image_on_train_batches_only(tmp_path):
    from torchvision.transforms import v2

    path = write_npz(tmp_path / "set.npz", size=20)
    dm = ImageDataModule("npz", root=path, transforms={"train": [v2.RandomHorizontalFlip(p=0.5)]})
    dm.setup()
    raw = dm.datasets["train"].images[:64]
    torch.manual_seed(1)
    batch = dm.datasets["train"].__getitems__(list(range(64)))["image"]
    flipped = [torch.allclose(b, dm.normalize(r.flip(-1)[None])[0]) for b, r in zip(batch, raw)]
    kept = [torch.allclose(b, dm.normalize(r[None])[0]) for b, r in zip(batch, raw)]
    assert all(f or k for f, k in zip(flipped, kept))
    assert 10 < sum(flipped) < 54  # each image draws its own flip
    val = dm.datasets["val"]
    torch.testing.assert_close(val.__getitems__([0])["image"], dm.normalize(val.images[:1]))


def test_max_train_samples_says_that_it_counts_before_the_validation_split(tmp_path, caplog):
    """``max_train_samples=5`` trained on 4 images without a word: the cap is taken before the validation split."""
    dm = ImageDataModule("npz", root=write_npz(tmp_path / "set.npz", size=20), max_train_samples=5,
                         val_fraction=0.1, batch_size=2)
    with caplog.at_level("INFO", logger="siamese.data.image_datamodule"):
        dm.setup()
    assert len(dm.datasets["train"]) == 4 and len(dm.datasets["val"]) == 1
    assert ("max_train_samples=5 counts the images before the validation split (val_fraction=0.1): 4 train, "
            "1 validation") in caplog.text


@pytest.mark.parametrize("keys, overrides, error", [
    ({"dataset": "omniglot", "image_size": 0}, ["data=omniglot", "data.image_size=0"],
     "image_size=0: must be a positive whole number of pixels"),
    ({"dataset": "omniglot", "val_alphabets": ["Klingon"]}, ["data=omniglot", "data.val_alphabets=[Klingon]"],
     r"val_alphabets=\['Klingon'\]: unknown alphabet 'Klingon'; alphabets are \[.*'Tagalog'\]"),
    ({"dataset": "mnist", "train_classes": [0, 1, 2], "test_classes": [2, 3]},
     ["data.train_classes=[0,1,2]", "data.test_classes=[2,3]"],
     r"test_classes=\[2, 3\]: class '2' \(id 2\) is in both train_classes and test_classes"),
])
def test_errors_name_the_parameter_from_python_and_the_config_key_from_the_config(keys, overrides, error, cfg_factory,
                                                                                   tmp_path):
    with pytest.raises(ParameterError, match=f"^{error}") as python_side:
        ImageDataModule(**keys, cache_dir=tmp_path)
    assert python_side.value.parameter == error.split("=")[0]
    with pytest.raises(ConfigError, match=f"^data.{error}"):
        build(cfg_factory(*overrides))
