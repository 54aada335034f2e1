"""People's own image sets for alignment analyses (a folder of image files or an ``.npz``) and torchvision models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


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


def imagenet_tensor(images: np.ndarray, size: int = 224) -> torch.Tensor:
    """uint8 images -> float [N, 3, size, size] normalized with ImageNet mean/std (for torchvision models)."""
    x = torch.as_tensor(images).float() / 255.0
    x = x[..., None].expand(*x.shape, 3) if x.ndim == 3 else x[..., :3]
    x = x.permute(0, 3, 1, 2)
    x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    mean, std = torch.tensor(IMAGENET_MEAN)[:, None, None], torch.tensor(IMAGENET_STD)[:, None, None]
    return (x - mean) / std


def load_torchvision_model(name: str, weights_file: str | Path | None = None) -> torch.nn.Module:
    """``torchvision.models.get_model(name)`` with weights from a local file (never downloaded); without a file
    the weights are random, which the caller should say."""
    import torchvision

    try:
        model = torchvision.models.get_model(name, weights=None)
    except ValueError as error:
        raise ValueError(f"--model {name!r}: {error}") from None
    if weights_file is not None:
        state = torch.load(weights_file, map_location="cpu", weights_only=True)
        state = state.get("state_dict", state) if isinstance(state, dict) else state
        model.load_state_dict(state)
    return model.eval()
