"""Drawing 2AFC trial sets from MNIST: an anchor and two other images, "which looks more like the anchor?"."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siamese.data.mnist import mnist_cache_dir
from siamese.human.io.study_folder import check_study_folder
from siamese.human.io.trial_set import IMAGES_NPZ, TRIALS_CSV, TrialSet, load_trial_set
from siamese.utils.files import csv_text, write_text_atomic


def make_triplets(out_dir: str | Path, n: int = 20, digit: int | None = 8, across: bool = False, seed: int = 0,
                  split: str = "test", force: bool = False) -> TrialSet:
    """Write ``n`` trials of MNIST ``split`` images to ``out_dir``: ``images.npz`` (``images``, ``image_id`` =
    ``<split>_<index>``) and ``trials.csv`` (``trial_id, anchor, a, b``; ids ``t01``, ``t02``...).

    Within-digit (default): anchor, a and b are all ``digit`` (the within-class structure people judge);
    ``across``: three images of random digits. No image is used twice. The rating page asks the trials
    (``python -m siamese.human rate OUT --mode 2afc``) and appends the answers to ``OUT/choices.csv``. A folder
    that already holds a study is refused unless ``force`` (``study_folder.check_study_folder``)."""
    from siamese.data import load_mnist

    if n < 1:
        raise ValueError(f"n={n} must be >= 1")
    if not across and (digit is None or not 0 <= digit <= 9):
        raise ValueError(f"digit={digit} must be 0-9 for within-digit trials")
    check_study_folder(out_dir, force)
    images, labels = load_mnist(split, cache_dir=mnist_cache_dir())
    labels = labels.numpy()
    rng = np.random.default_rng(seed)
    candidates = np.arange(len(labels)) if across else np.flatnonzero(labels == digit)
    if 3 * n > len(candidates):
        raise ValueError(f"MNIST {split} has {len(candidates)} candidate images: at most {len(candidates) // 3} "
                         f"trials without reusing an image")
    chosen = rng.choice(candidates, size=3 * n, replace=False)
    image_id = [f"{split}_{int(i)}" for i in chosen]
    width = max(2, len(str(n)))
    rows = [[f"t{k + 1:0{width}d}", *image_id[3 * k:3 * k + 3]] for k in range(n)]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".{IMAGES_NPZ}.tmp.npz"  # written whole, then renamed: never half a file
    np.savez(tmp, images=np.asarray(images[chosen]).astype(np.uint8), image_id=np.array(image_id))
    tmp.replace(out_dir / IMAGES_NPZ)
    write_text_atomic(out_dir / TRIALS_CSV, csv_text(["trial_id", "anchor", "a", "b"], rows))
    return load_trial_set(out_dir)
