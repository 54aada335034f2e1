"""Stanford Online Products from a local copy (``data=sop data.root=.../Stanford_Online_Products``), its own split:
``Ebay_train.txt`` (classes 1-11318) and ``Ebay_test.txt`` (classes 11319-22634), disjoint products.

Each file: a header line ``image_id class_id super_class_id path``, then one row per image, ``path`` relative to
``root`` (e.g. ``bicycle_final/111085122871_0.JPG``). Labels are the class ids minus 1; a class is named by its
product, ``<super-class folder>/<product id>`` (the path without the ``_<n>`` image suffix). ``label_groups``
maps each class to its super-class folder (12 categories: bicycle_final, cabinet_final, ...).
"""

from __future__ import annotations

from pathlib import Path

from siamese.data.listed_images import ListedImagesReader, read_rows


class SOPReader(ListedImagesReader):
    name = "sop"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._groups: dict[int, str] | None = None

    def index_files(self) -> list[Path]:
        return [self.root / "Ebay_train.txt", self.root / "Ebay_test.txt"]

    def listing(self):
        named: dict[int, str] = {}
        splits = {}
        for split, path in zip(("train", "test"), self.index_files()):
            files, ids = [], []
            for _, class_id, _, relative in read_rows(path, 4, header=True):
                label = int(class_id) - 1
                if label < 0:
                    raise ValueError(f"{path}: class id {class_id} of {relative} is not >= 1")
                named.setdefault(label, relative.rsplit("_", 1)[0])
                files.append(str(self.root / relative))
                ids.append(label)
            splits[split] = (files, ids)
        names = [named.get(i, f"unlisted_{i + 1}") for i in range(max(named) + 1)]
        self._groups = {i: name.split("/")[0] for i, name in enumerate(names)}
        return names, splits

    @property
    def label_groups(self) -> dict[int, str]:
        self._list()
        return self._groups
