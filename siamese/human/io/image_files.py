"""People's own image sets for alignment analyses: a folder of image files or an ``.npz`` (torchvision models that
read them: ``siamese.models.torchvision_models``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}


def load_images(path: str | Path) -> tuple[np.ndarray, list[str]]:
    """``(images uint8 [N, H, W] or [N, H, W, C], image_ids)`` from a folder (files sorted by name; id = file stem)
    or an ``.npz`` with ``images`` (and optional ``image_id``). Images of a folder must share one size."""
    path = Path(path)
    if path.is_dir():
        from PIL import Image

        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise ValueError(f"{path}: no image files ({', '.join(sorted(IMAGE_SUFFIXES))})")
        arrays = [np.asarray(Image.open(f)) for f in files]
        shapes = {a.shape for a in arrays}
        if len(shapes) > 1:
            raise ValueError(f"{path}: images differ in size {sorted(shapes)}; resize them to one size first")
        return np.stack(arrays).astype(np.uint8), [f.stem for f in files]
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            if "images" not in data:
                raise ValueError(f"{path}: missing array 'images' (has {sorted(data.files)})")
            images = data["images"]
            ids = [str(i) for i in data["image_id"]] if "image_id" in data else [str(i) for i in range(len(images))]
        if images.ndim not in (3, 4) or len(ids) != len(images):
            raise ValueError(f"{path}: images must be [N, H, W] or [N, H, W, C] with one image_id each, "
                             f"got {images.shape} and {len(ids)} ids")
        return images.astype(np.uint8), ids
    raise ValueError(f"{path}: expected a folder of images or an .npz file")
