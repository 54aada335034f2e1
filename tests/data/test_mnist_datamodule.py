"""Real MNIST files, the subset normalization, the shifted test set and shift semantics."""


import numpy as np
import pytest
import torch

from siamese.data import MNISTDataModule, load_mnist, prepare_mnist, shift_images, shifted_copies
from siamese.data.mnist import DEFAULT_SOURCE_DIR


def test_real_files_have_the_documented_label_counts():
    _, train_labels = load_mnist("train")
    _, test_labels = load_mnist("test")
    assert torch.bincount(train_labels).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert torch.bincount(test_labels).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    images, _ = load_mnist("train")
    pixels = images.double() / 255
    assert pixels.mean().item() == pytest.approx(0.1307, abs=5e-5)
    assert pixels.std().item() == pytest.approx(0.3081, abs=5e-5)


def test_corrupt_cache_file_is_refused_by_sha256(tmp_path):
    prepare_mnist(DEFAULT_SOURCE_DIR, tmp_path)
    target = tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte"
    data = bytearray(target.read_bytes())
    data[-1] ^= 1
    target.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte: sha256"):
        prepare_mnist(DEFAULT_SOURCE_DIR, tmp_path)


def test_subset_normalization_uses_the_train_split_of_the_selected_digits():
    dm = MNISTDataModule(digits=[4, 9])
    dm.setup()
    images, labels = load_mnist("train")
    train_index = dm.datasets["train"].indices
    assert set(labels[train_index].tolist()) == {4, 9}
    expected = images[train_index].double() / 255
    assert dm.mean == pytest.approx(expected.mean().item(), rel=1e-5)
    assert dm.std == pytest.approx(expected.std().item(), rel=1e-5)
    batch = dm.datasets["val"].__getitems__(list(range(50)))
    raw = images[dm.datasets["val"].indices[:50]].float() / 255
    assert torch.allclose(batch["image"][:, 0], (raw - dm.mean) / dm.std, atol=1e-6)
    # train and val are a disjoint split of all 4s and 9s
    val_index = dm.datasets["val"].indices
    assert len(np.intersect1d(train_index, val_index)) == 0
    assert len(train_index) + len(val_index) == int(((labels == 4) | (labels == 9)).sum())


def test_split_is_fixed_by_the_seed():
    a, b = MNISTDataModule(split_seed=3), MNISTDataModule(split_seed=3)
    a.setup(), b.setup()
    assert torch.equal(a.datasets["val"].indices, b.datasets["val"].indices)


def centre_of_mass_x(images):
    weights = images.double().sum(dim=1)  # [N, W]
    cols = torch.arange(images.shape[2], dtype=torch.float64)
    return (weights * cols).sum(1) / weights.sum(1)


@pytest.mark.parametrize("shift", [-6, -3, 3, 6])
def test_shift_moves_the_centre_of_mass_by_the_shift(shift):
    images, _ = load_mnist("test")
    images = images[:200]
    # only digits whose ink stays inside the frame after the shift, so mass is conserved
    cols = (images > 0).any(dim=1)
    first, last = cols.float().argmax(1), 27 - cols.flip(1).float().argmax(1)
    fits = (first + shift >= 0) & (last + shift <= 27)
    moved = shift_images(images[fits], shift)
    assert torch.equal(moved.sum(dim=(1, 2)), images[fits].sum(dim=(1, 2)))
    assert torch.allclose(centre_of_mass_x(moved) - centre_of_mass_x(images[fits]),
                          torch.full((int(fits.sum()),), float(shift), dtype=torch.float64))


def test_shift_never_wraps_around():
    image = torch.zeros(1, 28, 28, dtype=torch.uint8)
    image[0, :, 25:] = 255  # ink in the last 3 columns
    right = shift_images(image, 3)
    assert right.sum() == 0  # pushed out of the frame, nothing re-enters on the left
    left = shift_images(image, -3)
    assert torch.equal(left[0, :, 22:25], image[0, :, 25:]) and left[0, :, 25:].sum() == 0
    per_sample = shift_images(image.repeat(2, 1, 1), torch.tensor([0, -25]))
    assert torch.equal(per_sample[0], image[0]) and per_sample[1, :, :3].sum() == 255 * 28 * 3


def test_shifted_test_set_holds_every_test_image_once_per_shift():
    dm = MNISTDataModule(digits=[4, 9], shift={"values": [-6, -3, 3, 6]})
    dm.setup()
    test, shifted = dm.datasets["test"], dm.datasets["test_shifted"]
    assert len(shifted) == 4 * len(test)
    for value in (-6, -3, 3, 6):
        rows = shifted.shifts == value
        assert int(rows.sum()) == len(test)
        assert torch.equal(shifted.indices[rows], test.indices)
        assert torch.equal(shifted.images[rows], shift_images(test.images, value))
    images, shifts = shifted_copies(test.images[:5], [-3, 3])
    assert shifts.tolist() == [-3] * 5 + [3] * 5 and images.shape == (10, 28, 28)


def test_train_augmentation_shifts_batches_and_reports_the_shift():
    torch.manual_seed(0)
    dm = MNISTDataModule(digits=[4, 9], shift={"train": True, "values": [-6, 6], "include_unshifted": False})
    dm.setup()
    batch = next(iter(dm.train_dataloader()))
    assert set(batch["shift"].tolist()) == {-6, 6}
    raw = dm.datasets["train"].images
    position = {int(i): p for p, i in enumerate(dm.datasets["train"].indices)}
    expected = shift_images(raw[[position[int(i)] for i in batch["index"]]], batch["shift"])
    assert torch.allclose(batch["image"], dm.normalize(expected))
    assert set(next(iter(dm.val_dataloader()))["shift"].tolist()) == {0}
