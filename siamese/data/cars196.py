"""Cars196 (Stanford Cars) from a local copy (``data=cars196 data.root=DIR``), the metric-learning protocol: train
on classes 1-98, test on classes 99-196 (the annotations' own ``test`` flag is for classification, not used).

Files under ``root``: ``cars_annos.mat`` (MATLAB; ``annotations``: a struct array with fields
``relative_im_path`` (e.g. ``car_ims/000001.jpg``, relative to ``root``), ``bbox_x1``, ``bbox_y1``,
``bbox_x2``, ``bbox_y2``, ``class`` (1-196) and ``test``; ``class_names``: a cell array of the 196 names) and
``car_ims/``. Labels are the class ids minus 1 (0-195). Whole images are used (no bounding-box crop), as in the
metric-learning literature.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siamese.data.listed_images import ListedImagesReader

TRAIN_CLASSES = range(1, 99)  # the 1-based ids of the training classes; 99-196 test


def _scalar(value):
    """The one element of a MATLAB cell/field value as loadmat returns it (nested 1 x 1 arrays)."""
    return np.asarray(value).ravel()[0]


class Cars196Reader(ListedImagesReader):
    name = "cars196"

    def index_files(self) -> list[Path]:
        return [self.root / "cars_annos.mat", self.root / "car_ims"]

    def listing(self):
        from scipy.io import loadmat

        path = self.index_files()[0]
        mat = loadmat(path)
        for key in ("annotations", "class_names"):
            if key not in mat:
                found = sorted(k for k in mat if not k.startswith("__"))
                raise ValueError(f"{path}: no variable {key!r} (it has {found})")
        annotations = mat["annotations"].ravel()
        fields = annotations.dtype.names or ()
        if not {"relative_im_path", "class"} <= set(fields):
            raise ValueError(f"{path}: annotations need fields relative_im_path and class, have {list(fields)}")
        names = [str(_scalar(name)) for name in mat["class_names"].ravel()]
        splits = {"train": ([], []), "test": ([], [])}
        for row in annotations:
            class_id, relative = int(_scalar(row["class"])), str(_scalar(row["relative_im_path"]))
            if not 1 <= class_id <= len(names):
                raise ValueError(f"{path}: class {class_id} of {relative} is outside 1-{len(names)} (class_names)")
            files, ids = splits["train" if class_id in TRAIN_CLASSES else "test"]
            files.append(str(self.root / relative))
            ids.append(class_id - 1)
        return names, splits
