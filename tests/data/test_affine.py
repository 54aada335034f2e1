"""Affine augmentation on the device (siamese.data.affine): identity, translations and a rotation by hand, the
config check, seeded draws, and that only train batches are augmented."""

import pytest
import torch

from siamese.data.affine import RandomAffine, affine_images, translate_images
from siamese.data.mnist import MNISTDataModule
from siamese.data.shift import shift_images


@pytest.mark.parametrize("shape", [(3, 28, 28), (2, 3, 7, 9)])
@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
def test_identity_gives_the_input_back_exactly(shape, dtype):
    images = torch.randint(0, 256, shape, generator=torch.Generator().manual_seed(0)).to(dtype)
    assert torch.equal(affine_images(images, 0.0, 0.0, 1.0, 0.0, 0.0), images)


def test_translation_moves_a_pixel_by_hand():
    image = torch.zeros(1, 7, 9, dtype=torch.uint8)
    image[0, 3, 4] = 200
    moved = translate_images(image, tx=2, ty=-1)  # 2 right, 1 up: row 3 -> 2, column 4 -> 6
    expected = torch.zeros_like(image)
    expected[0, 2, 6] = 200
    assert torch.equal(moved, expected)


def test_whole_pixel_translation_is_the_shift():
    images = torch.randint(0, 256, (4, 1, 12, 12), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    assert torch.equal(translate_images(images, tx=-3), shift_images(images, -3))
    assert torch.equal(translate_images(images, ty=2), shift_images(images, 2, axis="vertical"))


def test_quarter_turn_by_hand():
    # 7 x 7, centre (3, 3); a pixel 2 right of it (row 3, column 5) turns clockwise to 2 below it (row 5, column 3)
    image = torch.zeros(1, 7, 7)
    image[0, 3, 5] = 1.0
    turned = affine_images(image, 90.0, 0.0, 1.0, 0.0, 0.0)
    assert turned[0, 5, 3] == pytest.approx(1.0, abs=1e-5) and turned.sum() == pytest.approx(1.0, abs=1e-5)


def test_config_check_and_off_by_default():
    assert RandomAffine.from_config(None) is None
    assert RandomAffine.from_config({"degrees": 0, "shear": 0, "scale": [1, 1], "translate": 0}) is None
    assert RandomAffine.from_config({"degrees": 10, "scale": [0.9, 1.1]}) == RandomAffine(10.0, 0.0, (0.9, 1.1), 0.0)
    with pytest.raises(ValueError, match="^affine.rotate=10: unknown key"):
        RandomAffine.from_config({"rotate": 10})
    with pytest.raises(ValueError, match=r"^affine.scale=\[1.2, 0.8\]: must be \[min, max\]"):
        RandomAffine.from_config({"scale": [1.2, 0.8]})


def test_draws_are_seeded_and_vary_per_image():
    augment = RandomAffine(degrees=15, shear=10, scale=(0.8, 1.2), translate=0.1)
    images = torch.zeros(2, 28, 28, dtype=torch.uint8)
    images[:, 8:20, 12:16] = 255
    first = augment(images, torch.Generator().manual_seed(0))
    assert torch.equal(first, augment(images, torch.Generator().manual_seed(0)))
    assert not torch.equal(first[0], first[1])  # the same image, two different draws


def test_only_train_batches_are_augmented():
    module = MNISTDataModule(max_train_samples=64, max_test_samples=16, affine={"degrees": 20, "translate": 0.1})
    module.setup()
    positions = list(range(8))
    train = module.datasets["train"].__getitems__(positions)["image"]
    plain = module.datasets["train_eval"].__getitems__(positions)["image"]
    assert not torch.equal(train, plain)
    val = module.datasets["val"]
    assert val.affine is None and module.datasets["test"].affine is None
