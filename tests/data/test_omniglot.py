"""data=omniglot on the shipped zips: counts with Greek and Latin once, the alphabet split and its checks,
label_groups, the sha256 check, the decode cache, and one real training step through the composed config."""

import shutil
import zipfile

import numpy as np
import pytest
import torch

from siamese.data.image_datamodule import ImageDataModule
from siamese.data.omniglot import OmniglotReader
from siamese.data.omniglot_files import DEFAULT_SOURCE_DIR, SHA256, list_drawings, load_omniglot

ALPHABETS = ["Balinese", "Early_Aramaic", "Greek", "Japanese_(katakana)", "Korean", "Latin", "Sanskrit", "Tagalog"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


def test_greek_and_latin_count_once():
    members = []
    for name in SHA256:
        with zipfile.ZipFile(DEFAULT_SOURCE_DIR / name) as archive:
            members.append({"/".join(m.split("/")[1:]) for m in archive.namelist() if m.endswith(".png")})
    shared = members[0] & members[1]
    assert {key.split("/")[0] for key in shared} == {"Greek", "Latin"}
    assert len(shared) == (24 + 26) * 20
    assert len(members[0]) + len(members[1]) == 5840
    assert len(list_drawings()) == 4840


def test_counts_and_bright_strokes(cache):
    arrays = load_omniglot(28, None, str(cache))
    assert arrays.images.shape == (4840, 28, 28) and arrays.images.dtype == np.uint8
    assert len(arrays.class_names) == 242 and sorted(set(arrays.alphabets)) == ALPHABETS
    assert np.bincount(arrays.labels).tolist() == [20] * 242  # 20 drawers per character
    assert (cache / "omniglot" / "omniglot_28px.npz").exists()
    # strokes are bright on a dark background: the border is background, the brightest pixel a stroke
    assert arrays.images[:, 0, :].mean() < 5 and arrays.images.max() == 255 and arrays.images.mean() < 40


def test_cache_is_read_back_identically(cache):
    first = load_omniglot(28, None, str(cache))
    load_omniglot.cache_clear()
    again = load_omniglot(28, None, str(cache))
    assert again is not first and np.array_equal(again.images, first.images)
    assert again.class_names == first.class_names and again.files == first.files


def test_default_alphabet_split_and_label_groups(cache):
    module = ImageDataModule(dataset="omniglot", cache_dir=cache, eval_batch_size=4096)
    module.setup()
    groups = module.label_groups
    assert len(groups) == 242 and sorted(set(groups.values())) == ALPHABETS
    assert groups[module.class_names.index("Greek/character01")] == "Greek"
    alphabets = {}
    for split in ("train", "val", "test"):
        labels = module.datasets["train_eval" if split == "train" else split].labels
        alphabets[split] = {groups[int(label)] for label in labels}
    assert alphabets["val"] == {"Early_Aramaic"} and alphabets["test"] == {"Balinese"}
    assert alphabets["train"] == set(ALPHABETS) - {"Early_Aramaic", "Balinese"}
    sizes = {s: len(module.datasets[s]) for s in ("train", "val", "test")}
    assert sizes == {"train": 196 * 20, "val": 22 * 20, "test": 24 * 20}
    batch = next(iter(module.eval_dataloader("test")))
    assert set(batch) == {"image", "label", "index", "shift"} and batch["image"].shape == (480, 1, 28, 28)
    assert int(batch["shift"].abs().sum()) == 0
    # index = position among the 4840 distinct drawings, the same whatever the split
    files = load_omniglot(28, None, str(cache)).files
    assert all(files[i].startswith("Balinese/") for i in batch["index"].tolist())


def test_chosen_alphabets_and_image_size(cache):
    module = ImageDataModule(dataset="omniglot", cache_dir=cache, image_size=14, val_alphabets=["tagalog"],
                             test_alphabets=["Korean", "Latin"])
    module.setup()
    test_groups = {module.label_groups[int(label)] for label in module.datasets["test"].labels}
    assert test_groups == {"Korean", "Latin"} and module.image_size == (14, 14)
    assert len(module.datasets["val"]) == 17 * 20


def test_unknown_alphabet_is_named_with_the_valid_ones():
    with pytest.raises(ValueError, match=r"^val_alphabets=\['Klingon'\]: unknown alphabet 'Klingon'.*Balinese.*"
                                         "Tagalog"):
        OmniglotReader(val_alphabets=["Klingon"])


def test_alphabet_in_both_lists_is_named():
    with pytest.raises(ValueError, match=r"^test_alphabets=\['Latin', 'Greek'\]: alphabet 'Greek' is in both "
                                         "val_alphabets and test_alphabets"):
        OmniglotReader(val_alphabets=["Greek"], test_alphabets=["Latin", "Greek"])


def test_unknown_option_is_named():
    with pytest.raises(ValueError, match=r"^val_alphabets=\['Greek'\]: is not an option of dataset=mnist"):
        ImageDataModule(dataset="mnist", val_alphabets=["Greek"])


def test_sha256_mismatch_is_refused_naming_the_file(tmp_path):
    for name in SHA256:
        shutil.copy(DEFAULT_SOURCE_DIR / name, tmp_path / name)
    target = tmp_path / "images_background_small2.zip"
    data = bytearray(target.read_bytes())
    data[-30] ^= 0xFF  # one byte of the central directory's end record
    target.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"small2.zip: sha256 .* does not match the original Omniglot"):
        OmniglotReader(root=tmp_path)


def test_missing_zip_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="images_background_small1.zip"):
        OmniglotReader(root=tmp_path)


def test_one_training_step_through_the_config(cfg_factory):
    from siamese.training import train

    retrieval = "callbacks.retrieval_metrics"
    metrics = train(cfg_factory("data=omniglot", "debug=fdr", "data.batch_size=32", "callbacks=[retrieval_metrics]",
                                f"{retrieval}.fit_splits=[]", f"+{retrieval}.test_splits=[test]",
                                f"{retrieval}.metrics=[precision_at_1,mean_average_precision_at_r,recall_at_1,recall_at_8]"))
    assert np.isfinite(metrics["train/loss"])
    # val (Early_Aramaic) and test (Balinese) share no class with training: ranked leave-one-out within the split
    assert 0 <= metrics["val/precision_at_1"] <= 1 and 0 <= metrics["test/recall_at_8"] <= 1
    assert metrics["test/recall_at_1"] == pytest.approx(metrics["test/precision_at_1"])
    assert torch.isfinite(torch.tensor(metrics["test/mean_average_precision_at_r"]))


def test_run_images_look_up_omniglot_points_by_their_index(cache):
    from siamese.data.run_images import split_images

    module = ImageDataModule(dataset="omniglot", cache_dir=cache, image_size=14)
    module.setup()
    val = module.datasets["val"]
    config = {"dataset": "omniglot", "image_size": 14, "cache_dir": str(cache), "val_alphabets": ["Early_Aramaic"],
              "test_alphabets": ["Balinese"], "batch_size": 32}
    picked = np.array([0, 5, 439])
    images = split_images(config, [("val", val.indices[picked].numpy(), np.zeros(3, dtype=np.int64))])
    assert images.shape == (3, 14, 14) and np.array_equal(images, val.images[picked].numpy())
