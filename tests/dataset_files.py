"""Tiny SYNTHETIC datasets written in each real on-disk format (idx, CIFAR pickles, SVHN .mat, PNG folders, npz).

Class ``c`` of ``k`` is a bright square at the c-th cell of a 3x4 grid over faint noise (RGB: also a colour
per class), so a few training steps separate the classes. Every writer returns what it wrote."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path

import numpy as np


def synthetic_images(n: int, k: int, size: int = 28, channels: int = 1, seed: int = 0):
    """``(images uint8 [n, size, size(, 3)], labels [n])``: class ``i % k`` for image i."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % k
    images = rng.integers(0, 40, size=(n, size, size, channels)).astype(np.uint8)
    cell = size // 4
    for i, c in enumerate(labels):
        row, col = divmod(int(c) % 12, 4)
        block = images[i, row * cell:(row + 1) * cell, col * cell:(col + 1) * cell]
        block[...] = 220 if channels == 1 else np.array([220, 60 + 15 * (c % 10), 255 - 20 * (c % 10)])[:channels]
    return (images[..., 0] if channels == 1 else images), labels.astype(np.int64)


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------------------- idx
def write_idx(path: Path, array: np.ndarray) -> None:
    """The idx format of MNIST: big-endian magic (0, 0, 0x08 = ubyte, ndim), the dims as int32, the bytes."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    path.write_bytes(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def write_mnist_family(root: Path, folder: str, n_train: int = 120, n_test: int = 40, k: int = 10,
                       prefix: str | None = None) -> dict:
    """``root/<folder>/raw/`` idx files (uncompressed, as torchvision reads them); EMNIST: ``prefix`` =
    ``emnist-<split>`` and the images stored transposed, as in the EMNIST release."""
    raw = root / folder / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    out = {}
    for split, n, seed in (("train", n_train, 0), ("test", n_test, 1)):
        images, labels = synthetic_images(n, k, seed=seed)
        stored = images.transpose(0, 2, 1) if prefix else images
        tag = f"{prefix}-{split}" if prefix else ("train" if split == "train" else "t10k")
        write_idx(raw / f"{tag}-images-idx3-ubyte", stored)
        labels_idx = raw / f"{tag}-labels-idx1-ubyte"
        header = bytes([0, 0, 0x08, 1]) + len(labels).to_bytes(4, "big")
        labels_idx.write_bytes(header + labels.astype(np.uint8).tobytes())
        out[split] = (images, labels)
    return out


# -------------------------------------------------------------------------------------------------------- CIFAR
def write_cifar(root: Path, hundred: bool = False, n_per_batch: int = 24, n_test: int = 40) -> dict:
    """CIFAR's python pickles: ``data`` uint8 [N, 3072] (channel-major rows), labels, and the meta file.
    Returns ``{filename: md5}`` (torchvision pins the md5 of the original files; tests pin these instead)."""
    k = 100 if hundred else 10
    folder = root / ("cifar-100-python" if hundred else "cifar-10-batches-py")
    folder.mkdir(parents=True, exist_ok=True)
    label_key = "fine_labels" if hundred else "labels"
    names = [f"class{c:03d}" for c in range(k)] if hundred else \
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    batches = [("train", 5 * n_per_batch)] if hundred else [(f"data_batch_{b}", n_per_batch) for b in range(1, 6)]
    batches.append(("test" if hundred else "test_batch", n_test))
    sums = {}
    for seed, (name, n) in enumerate(batches):
        images, labels = synthetic_images(n, min(k, 10), size=32, channels=3, seed=seed)
        entry = {"data": images.transpose(0, 3, 1, 2).reshape(n, -1), label_key: labels.tolist()}
        (folder / name).write_bytes(pickle.dumps(entry))
        sums[name] = md5(folder / name)
    meta = "meta" if hundred else "batches.meta"
    (folder / meta).write_bytes(pickle.dumps({"fine_label_names" if hundred else "label_names": names}))
    sums[meta] = md5(folder / meta)
    return sums


def pin_cifar_md5(monkeypatch, sums: dict, hundred: bool = False) -> None:
    """Point torchvision's md5 lists at the generated files (the format and the reading stay torchvision's)."""
    from torchvision.datasets import CIFAR10, CIFAR100

    cls = CIFAR100 if hundred else CIFAR10
    monkeypatch.setattr(cls, "train_list", [[f, sums[f]] for f, _ in cls.train_list])
    monkeypatch.setattr(cls, "test_list", [[f, sums[f]] for f, _ in cls.test_list])
    monkeypatch.setattr(cls, "meta", {**cls.meta, "md5": sums[cls.meta["filename"]]})


# --------------------------------------------------------------------------------------------------------- SVHN
def write_svhn(root: Path, n_train: int = 120, n_test: int = 40) -> dict:
    """``{train,test}_32x32.mat`` as the SVHN release: ``X`` [32, 32, 3, N] uint8, ``y`` [N, 1] with 10 for 0."""
    from scipy.io import savemat

    root.mkdir(parents=True, exist_ok=True)
    sums = {}
    for split, n, seed in (("train", n_train, 0), ("test", n_test, 1)):
        images, labels = synthetic_images(n, 10, size=32, channels=3, seed=seed)
        y = np.where(labels == 0, 10, labels).reshape(-1, 1).astype(np.uint8)
        path = root / f"{split}_32x32.mat"
        savemat(path, {"X": images.transpose(1, 2, 3, 0), "y": y})
        sums[split] = md5(path)
    return sums


def pin_svhn_md5(monkeypatch, sums: dict) -> None:
    from torchvision.datasets import SVHN

    patched = {s: [url, name, sums.get(s, digest)] for s, (url, name, digest) in SVHN.split_list.items()}
    monkeypatch.setattr(SVHN, "split_list", patched)


# ------------------------------------------------------------------------------------------ image folder / npz
def write_image_folder(root: Path, classes=("apple", "bird", "cat"), per_class: int = 20, sizes=((40, 48), (36, 36))):
    """``root/<class>/<i>.png`` RGB PNGs whose sizes alternate between ``sizes`` (any size is allowed)."""
    from PIL import Image

    for c, name in enumerate(classes):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            h, w = sizes[i % len(sizes)]
            pattern, _ = synthetic_images(len(classes), len(classes), size=max(h, w), channels=3, seed=100 * c + i)
            Image.fromarray(pattern[c][:h, :w]).save(root / name / f"{i:03d}.png")
    return root


def write_npz(path: Path, n: int = 160, k: int = 4, size: int = 20, channels: int = 3) -> Path:
    images, labels = synthetic_images(n, k, size=size, channels=channels)
    np.savez(path, images=images, labels=labels, class_names=np.array([f"kind{c}" for c in range(k)]))
    return path
