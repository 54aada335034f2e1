"""Pair sets drawn from any dataset of ``siamese.data`` (CIFAR, SVHN, an image folder, ...), stored as images.

``make-pairs OUT --dataset cifar10 --root /data [--classes cat dog] [--across]`` or ``make-pairs OUT --images
FOLDER`` (class sub-folders of images; ``--size`` resizes/crops them to one size) writes ``OUT/pairs.npz``
(``images_a``, ``images_b`` uint8 ``[N, H, W]`` grey or ``[N, H, W, 3]`` RGB, ``pair_id``, ``label`` = the class id
of a within-class pair, -1 across classes) and a printable ``sheet.png``. Within-class (default): both images of
a pair share a class drawn uniformly from ``classes``; ``across``: two different classes. No image is used
twice. Pair ids are ``p01``, ``p02``...
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from siamese.data.datasets import make_reader
from siamese.data.image_datamodule import resolve_classes
from siamese.human.compare.figures import save_sheet
from siamese.human.io.common import PAIR_CSV, PAIR_NPZ
from siamese.human.io.pair_set import PairSet, load_pair_set
from siamese.human.io.study_folder import check_study_folder
from siamese.utils.files import write_bytes_atomic


def draw_pair_positions(labels: np.ndarray, classes: list[int], n: int, across: bool, seed: int):
    """``[(position_a, position_b, label)]``: ``n`` pairs of distinct images (no image twice)."""
    rng = np.random.default_rng(seed)
    pools = {c: list(rng.permutation(np.flatnonzero(labels == c))) for c in classes}
    if across and len(classes) < 2:
        raise ValueError("across=True needs at least two classes")
    pairs = []
    for _ in range(n):
        if across:
            ca, cb = (int(c) for c in rng.choice(classes, size=2, replace=False))
        else:
            ready = [c for c in classes if len(pools[c]) >= 2]
            if not ready:
                break
            ca = cb = int(rng.choice(ready))
        if not pools[ca] or not pools[cb]:
            break
        pairs.append((int(pools[ca].pop()), int(pools[cb].pop()), ca if ca == cb else -1))
    if len(pairs) < n:
        raise ValueError(f"only {len(pairs)} pairs can be drawn without reusing an image (asked for {n})")
    return pairs


def make_dataset_pairs(out_dir: str | Path, dataset: str, root: str | Path | None = None, n: int = 20,
                       classes=None, across: bool = False, seed: int = 0, split: str = "test",
                       dataset_split: str | None = None, size: int | None = None, force: bool = False) -> PairSet:
    """Draw ``n`` pairs from ``split`` of ``dataset`` under ``root`` and write them as ``pairs.npz`` + sheet (a
    folder that already holds a study only with ``force``: ``study_folder.check_study_folder``)."""
    if n < 1:
        raise ValueError(f"n={n} must be >= 1")
    check_study_folder(out_dir, force)
    reader = make_reader(dataset, root, split=dataset_split, resize=size, crop=size, test_fraction=0.5)
    arrays = reader.load(split)
    ids = resolve_classes(classes, reader.class_names, "classes")
    present = sorted(set(arrays.labels.tolist()))
    chosen = [c for c in (ids or present) if c in present]
    drawn = draw_pair_positions(arrays.labels.numpy(), chosen, n, across, seed)
    images = arrays.images.permute(0, 2, 3, 1).numpy()  # numpy layout [N, H, W, C]
    images = images[..., 0] if images.shape[-1] == 1 else images
    width = max(2, len(str(n)))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / PAIR_CSV).unlink(missing_ok=True)  # only with force: a pair set is one file
    buffer = io.BytesIO()
    np.savez(buffer, images_a=images[[a for a, _, _ in drawn]], images_b=images[[b for _, b, _ in drawn]],
             pair_id=np.array([f"p{k + 1:0{width}d}" for k in range(n)]),
             label=np.array([label for _, _, label in drawn], dtype=np.int64))
    write_bytes_atomic(out_dir / PAIR_NPZ, buffer.getvalue())
    pairs = load_pair_set(out_dir)
    kind = "mixed-class" if across else "within-class"
    save_sheet(pairs, out_dir / "sheet.png", title=f"{n} {kind} pairs ({dataset} {split}, seed {seed})")
    return pairs
