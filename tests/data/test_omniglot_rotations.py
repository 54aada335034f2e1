"""data.class_rotations: each training character rotated by 90/180/270 degrees is a new class (id + k x 242),
rotated exactly (np.rot90 of the source drawing); validation and test are never rotated."""

import numpy as np
import pytest

from siamese.data.image_datamodule import ImageDataModule
from siamese.data.omniglot import OmniglotReader


@pytest.fixture(scope="module")
def modules(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    built = {}
    for name, rotations in (("plain", [0]), ("rotated", [270, 0, 90, 180])):
        module = ImageDataModule(dataset="omniglot", cache_dir=cache, image_size=14, class_rotations=rotations)
        module.setup()
        built[name] = module
    return built


def test_train_classes_four_times_val_and_test_unchanged(modules):
    plain, rotated = modules["plain"], modules["rotated"]
    assert len(plain.class_names) == 242 and len(rotated.class_names) == 4 * 242
    train = rotated.datasets["train"].labels
    assert len(train) == 4 * 196 * 20 and len(set(train.tolist())) == 4 * 196
    assert np.bincount(train.numpy()).max() == 20 and int(train.max()) < 4 * 242
    for split in ("val", "test"):
        assert np.array_equal(rotated.datasets[split].images.numpy(), plain.datasets[split].images.numpy())
        assert np.array_equal(rotated.datasets[split].labels.numpy(), plain.datasets[split].labels.numpy())
        assert int(rotated.datasets[split].labels.max()) < 242


def test_rotated_image_is_np_rot90_of_its_source(modules):
    plain, rotated = modules["plain"], modules["rotated"]
    source, copies = plain.datasets["train"], rotated.datasets["train"]
    n = len(source.labels)
    assert np.array_equal(copies.images[:n].numpy(), source.images.numpy())
    for k, angle in enumerate((90, 180, 270), start=1):
        for i in (0, 1234, n - 1):
            copy = copies.images[k * n + i].numpy()  # [H, W] (or [1, H, W])
            assert np.array_equal(copy, np.rot90(source.images[i].numpy(), k, axes=(-2, -1)))
            label = int(source.labels[i])
            assert int(copies.labels[k * n + i]) == label + k * 242
            name = rotated.class_names[label + k * 242]
            assert name == f"{rotated.class_names[label]}/rot{angle}"
    assert not np.array_equal(copies.images[n + 5].numpy(), copies.images[5].numpy())


def test_label_groups_of_rotated_classes(modules):
    rotated = modules["rotated"]
    greek = rotated.class_names.index("Greek/character01")
    groups = rotated.label_groups
    assert len(groups) == 4 * 242
    assert [groups[greek + k * 242] for k in range(4)] == ["Greek", "Greek/rot90", "Greek/rot180", "Greek/rot270"]
    assert rotated.class_names[greek + 2 * 242] == "Greek/character01/rot180"


@pytest.mark.parametrize("angles", [[0, 45], [90, 180], [0, 90, 90], [0, 360], [0, True]])
def test_bad_rotations_are_named(angles):
    with pytest.raises(ValueError, match=r"^class_rotations=.*: (.* is not one of 0, 90, 180, 270|must list distinct)"):
        OmniglotReader(class_rotations=angles)


def test_no_test_alphabet_tests_on_the_validation_alphabet(caplog):
    with caplog.at_level("INFO", logger="siamese.data.omniglot"):
        reader = OmniglotReader(val_alphabets=["Early_Aramaic"], test_alphabets=[])
    assert reader.split_alphabets["test"] == reader.split_alphabets["val"] == ("Early_Aramaic",)
    assert len(reader.split_alphabets["train"]) == 7 and "Balinese" in reader.split_alphabets["train"]
    assert "test split is the validation alphabets ['Early_Aramaic']" in caplog.text
    with pytest.raises(ValueError, match=r"^val_alphabets=\[\]: must name at least one alphabet"):
        OmniglotReader(val_alphabets=[], test_alphabets=[])
