"""CUB-200-2011 from a local copy (``data=cub data.root=.../CUB_200_2011``), the metric-learning protocol: train on
classes 1-100, test on classes 101-200 (every image of a class on its side; the dataset's own train_test_split.txt
is for classification and is not used).

Files under ``root`` (as the archive unpacks): ``images.txt`` (``<image id> <path below images/>``),
``image_class_labels.txt`` (``<image id> <class id 1-200>``), ``classes.txt`` (``<class id> <name>``) and
``images/``. Labels are the class ids minus 1 (0-199); class names those of classes.txt.
"""

from __future__ import annotations

from pathlib import Path

from siamese.data.listed_images import ListedImagesReader, read_rows

TRAIN_CLASSES = range(1, 101)  # the 1-based ids of the training classes; 101-200 test


class CUBReader(ListedImagesReader):
    name = "cub"

    def index_files(self) -> list[Path]:
        return [self.root / "images.txt", self.root / "image_class_labels.txt", self.root / "classes.txt",
                self.root / "images"]

    def listing(self):
        images, labels, classes = (read_rows(p, 2) for p in self.index_files()[:3])
        names = [name for _, name in sorted(classes, key=lambda row: int(row[0]))]
        label_of = {image_id: int(class_id) for image_id, class_id in labels}
        splits = {"train": ([], []), "test": ([], [])}
        for image_id, path in images:
            if image_id not in label_of:
                raise ValueError(f"{self.root / 'image_class_labels.txt'}: no class for image id {image_id} ({path})")
            class_id = label_of[image_id]
            if not 1 <= class_id <= len(names):
                raise ValueError(f"{self.root / 'image_class_labels.txt'}: class id {class_id} of image {image_id} is "
                                 f"not in classes.txt (1-{len(names)})")
            files, ids = splits["train" if class_id in TRAIN_CLASSES else "test"]
            files.append(str(self.root / "images" / path))
            ids.append(class_id - 1)
        return names, splits
