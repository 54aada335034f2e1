"""The deep-metric-learning benchmark readers (CUB-200-2011, Cars196, Stanford Online Products) on tiny SYNTHETIC
replicas written in each real on-disk format: the usual class split, labels and names, missing files named
before training, and one short real training on CUB through the composed config."""

import numpy as np
import pytest
import torch
from PIL import Image
from scipy.io import savemat

from siamese.data.image_datamodule import ImageDataModule
from siamese.data.reader import MissingDataError

PER_CLASS = 3


def write_image(path, seed, size=(14, 18)):
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 256, (*size, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)


def write_cub(root, class_ids=(1, 2, 101, 102)):
    """CUB_200_2011 layout: 200 classes in classes.txt, images of ``class_ids`` only."""
    names = [f"{i:03d}.Bird_{i}" for i in range(1, 201)]
    (root / "images").mkdir(parents=True)
    (root / "classes.txt").write_text("".join(f"{i} {n}\n" for i, n in enumerate(names, 1)))
    images, labels, image_id = [], [], 0
    for c in class_ids:
        for k in range(PER_CLASS):
            image_id += 1
            relative = f"{names[c - 1]}/Bird_{c}_{k:04d}.jpg"
            write_image(root / "images" / relative, image_id)
            images.append(f"{image_id} {relative}\n")
            labels.append(f"{image_id} {c}\n")
    (root / "images.txt").write_text("".join(images))
    (root / "image_class_labels.txt").write_text("".join(labels))
    return root


def write_cars196(root, class_ids=(1, 2, 99, 196)):
    """cars_annos.mat as the devkit ships it: ``annotations`` 1 x N struct (relative_im_path, bbox_x1, bbox_y1,
    bbox_x2, bbox_y2, class, test), ``class_names`` 1 x 196 cell; images under car_ims/."""
    fields = ["relative_im_path", "bbox_x1", "bbox_y1", "bbox_x2", "bbox_y2", "class", "test"]
    rows = []
    for c in class_ids:
        for k in range(PER_CLASS):
            relative = f"car_ims/{len(rows) + 1:06d}.jpg"
            write_image(root / relative, len(rows))
            rows.append((np.array([relative]), *(np.array([[v]], np.uint16) for v in (1, 2, 17, 13)),
                         np.array([[c]], np.uint8), np.array([[k % 2]], np.uint8)))
    annotations = np.empty((1, len(rows)), dtype=[(f, "O") for f in fields])
    for i, row in enumerate(rows):
        annotations[0, i] = row
    names = np.empty((1, 196), dtype=object)
    for i in range(196):
        names[0, i] = np.array([f"Maker Model {i + 1} 2012"])
    savemat(root / "cars_annos.mat", {"annotations": annotations, "class_names": names})
    return root


def write_sop(root):
    """Ebay_train.txt (classes 1-2) and Ebay_test.txt (classes 3-4) with the header line."""
    products = {1: "bicycle_final/1110", 2: "bicycle_final/1111", 3: "cabinet_final/2220", 4: "toaster_final/3330"}
    image_id = 0
    for name, classes in (("Ebay_train.txt", (1, 2)), ("Ebay_test.txt", (3, 4))):
        lines = ["image_id class_id super_class_id path\n"]
        for c in classes:
            for k in range(PER_CLASS):
                image_id += 1
                relative = f"{products[c]}_{k}.JPG"
                write_image(root / relative, image_id)
                lines.append(f"{image_id} {c} {1 + c // 3} {relative}\n")
        (root / name).write_text("".join(lines))
    return root


WRITERS = {"cub": write_cub, "cars196": write_cars196, "sop": write_sop}
EXPECTED = {"cub": ({0, 1}, {100, 101}), "cars196": ({0, 1}, {98, 195}), "sop": ({0, 1}, {2, 3})}


def module_of(name, root, **kwargs):
    return ImageDataModule(dataset=name, root=root, resize=16, crop=16, val_fraction=0.2, **kwargs)


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_reader_splits_by_class_on_the_replica(tmp_path, name):
    module = module_of(name, WRITERS[name](tmp_path / name))
    module.setup()
    train = set(module.datasets["train_eval"].labels.tolist()) | set(module.datasets["val"].labels.tolist())
    assert (train, set(module.datasets["test"].labels.tolist())) == EXPECTED[name]
    assert len(module.datasets["test"]) == 2 * PER_CLASS
    assert module.datasets["test"].images.shape[1:] == (3, 16, 16)


def test_names_and_groups(tmp_path):
    cub = module_of("cub", write_cub(tmp_path / "cub"))
    assert len(cub.class_names) == 200 and cub.class_names[100] == "101.Bird_101" and cub.label_groups is None
    cars = module_of("cars196", write_cars196(tmp_path / "cars"))
    assert len(cars.class_names) == 196 and cars.class_names[195] == "Maker Model 196 2012"
    sop = module_of("sop", write_sop(tmp_path / "sop"))
    assert sop.class_names == ["bicycle_final/1110", "bicycle_final/1111", "cabinet_final/2220", "toaster_final/3330"]
    assert sop.label_groups == {0: "bicycle_final", 1: "bicycle_final", 2: "cabinet_final", 3: "toaster_final"}


@pytest.mark.parametrize("name, remove, expected", [
    ("cub", "image_class_labels.txt", "image_class_labels.txt"), ("cars196", "cars_annos.mat", "cars_annos.mat"),
    ("sop", "Ebay_test.txt", "Ebay_test.txt")])
def test_missing_index_file_is_named_before_training(tmp_path, name, remove, expected):
    root = WRITERS[name](tmp_path / name)
    (root / remove).unlink()
    with pytest.raises(MissingDataError, match=expected):
        module_of(name, root)


def test_missing_listed_image_is_named(tmp_path):
    root = write_cub(tmp_path / "cub")
    missing = next((root / "images").rglob("*.jpg"))
    missing.unlink()
    with pytest.raises(FileNotFoundError, match=missing.name):
        module_of("cub", root).setup()


def test_short_training_on_the_cub_replica(cfg_factory, tmp_path):
    from siamese.training import train

    root = write_cub(tmp_path / "cub", class_ids=(1, 2, 3, 101, 102, 103))
    metrics = train(cfg_factory("data=cub", f"data.root={root}", "data.resize=16", "data.crop=16", "debug=fdr",
                                "data.batch_size=8", "callbacks=[retrieval_metrics]",
                                "callbacks.retrieval_metrics.fit_splits=[]"))
    assert np.isfinite(metrics["train/loss"]) and 0 <= metrics["test/recall_at_1"] <= 1
    assert torch.isfinite(torch.tensor(metrics["test/mean_average_precision_at_r"]))
