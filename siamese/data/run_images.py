"""The images behind a run's saved points, for any dataset: ``(split, index, shift)`` -> uint8 pixels.

``index`` is the position in the dataset split the run's split came from (train/val -> train, test/test_shifted
-> test; a dataset with its own validation split, such as Omniglot, indexes its whole set of images), ``shift``
the pixels along the run's ``data.shift.axis``. MNIST runs (no ``dataset`` key, or ``dataset: mnist``) read the
shipped digits (``siamese.data.mnist.digit_images``, ``[N, 28, 28]``); the other datasets are read again through
their reader from the run's ``data`` config (with the dataset's own keys), ``[N, H, W]`` grey or ``[N, H, W, 3]``
RGB. ``thumbnails`` makes the 28x28 grey versions the review page shows.
"""

from __future__ import annotations

import numpy as np
import torch

from siamese.data.mnist import MNIST_SPLIT, digit_images
from siamese.data.shift import shift_images
from siamese.data.transforms import convert_channels


def resolved_data_config(config: dict | None) -> dict:
    """The ``data`` node of a run config with the interpolations that resolve outside Hydra resolved (keys that
    need Hydra's runtime, such as ``run_dir``, are dropped)."""
    from omegaconf import OmegaConf

    if not config or "data" not in config:
        return {}
    node = OmegaConf.create(config).data
    raw = OmegaConf.to_container(node, resolve=False)
    out = {}
    for key in node:
        if "${hydra:" in str(raw[key]):  # dropped always, not only when no Hydra app runs in this process
            continue
        try:
            value = OmegaConf.select(node, str(key), throw_on_resolution_failure=True)
            out[str(key)] = OmegaConf.to_container(value, resolve=True) if OmegaConf.is_config(value) else value
        except Exception:  # noqa: BLE001 - ${hydra:...} and the like: not needed to read images
            continue
    return out


def split_images(data_config: dict | None, splits_with_index) -> np.ndarray:
    """uint8 images for ``(split, index, shift)`` triples of a run whose resolved ``data`` config is given."""
    cfg = dict(data_config or {})
    dataset = cfg.get("dataset", "mnist")
    if dataset == "mnist" and not cfg.get("root"):
        return digit_images(splits_with_index)
    from siamese.data.data_options import group_keys
    from siamese.data.datasets import make_reader

    own = group_keys({k: v for k, v in cfg.items() if k not in ("_target_", "dataset")})[0].extra
    reader = make_reader(dataset, cfg.get("root"), split=cfg.get("split"), channels=cfg.get("channels"),
                         resize=cfg.get("resize"), crop=cfg.get("crop"), test_fraction=cfg.get("test_fraction", 0.2),
                         test_seed=cfg.get("split_seed", 0), cache_dir=cfg.get("cache_dir"), **own)
    axis = (cfg.get("shift") or {}).get("axis", "horizontal")
    loaded: dict[str, torch.Tensor] = {}
    parts = []
    for split, index, shift in splits_with_index:
        family = MNIST_SPLIT[split]
        index = torch.as_tensor(np.asarray(index, dtype=np.int64))
        if hasattr(reader, "files"):  # a folder: decode only the files asked for
            files = reader.files(family)[0]
            images = torch.stack([reader.decode(files[i]) for i in index.tolist()]) if len(index) else None
        elif "val" in reader.splits:  # its own splits index one whole dataset (Omniglot): look up by that index
            if "all" not in loaded:
                loaded["all"] = _whole_dataset(reader)
            images = loaded["all"][index]
        else:
            if family not in loaded:
                loaded[family] = reader.load(family).images
            images = loaded[family][index]
        if images is None:
            continue
        images = convert_channels(images, cfg.get("channels"))
        images = shift_images(images, torch.as_tensor(np.asarray(shift, dtype=np.int64)), axis)
        array = images.permute(0, 2, 3, 1).numpy()
        parts.append(array[..., 0] if array.shape[-1] == 1 else array)
    return np.concatenate(parts) if parts else np.zeros((0, 28, 28), np.uint8)


def _whole_dataset(reader) -> torch.Tensor:
    """Every image of a reader whose splits carry ``indices`` into one dataset, at the position of its index."""
    parts = [reader.load(split) for split in reader.splits]
    whole = torch.zeros((max(int(p.indices.max()) for p in parts) + 1, *parts[0].images.shape[1:]), dtype=torch.uint8)
    for part in parts:
        whole[part.indices] = part.images
    return whole


def thumbnails(images: np.ndarray, size: int = 28) -> np.ndarray:
    """uint8 ``[N, size, size]`` grey thumbnails (RGB by luma, resized with antialiasing) of any images."""
    if images.ndim == 3 and images.shape[1:] == (size, size):
        return images
    x = torch.as_tensor(images).float()
    x = x[:, None] if x.ndim == 3 else x.permute(0, 3, 1, 2)
    if x.shape[1] == 3:
        x = (x * torch.tensor([0.299, 0.587, 0.114])[None, :, None, None]).sum(1, keepdim=True)
    x = torch.nn.functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    return x[:, 0].round().clamp(0, 255).to(torch.uint8).numpy()
