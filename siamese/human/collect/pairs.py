"""Drawing pair sets from MNIST for people to rate (with a printable sheet of the numbered pairs)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from siamese.data.mnist import load_mnist_split
from siamese.human.compare.figures import save_sheet
from siamese.human.io.common import PAIR_CSV, PAIR_NPZ
from siamese.human.io.pair_set import PairSet, load_pair_set
from siamese.human.io.study_folder import check_study_folder
from siamese.utils.files import csv_text, write_text_atomic

log = logging.getLogger(__name__)


def make_pairs(out_dir: str | Path, n: int = 20, digit: int | None = 8, across: bool = False, seed: int = 0,
               split: str = "test", force: bool = False) -> PairSet:
    """Write ``n`` random pairs of MNIST ``split`` images to ``out_dir/pairs.csv`` and a sheet ``sheet.png``.

    Within-digit (default): both images are ``digit``. ``across``: the two images of a pair are of two different
    digits drawn at random (``digit`` is then ignored). No image is used twice. Pair ids are ``p01``, ``p02``...
    A folder that already holds a study is refused unless ``force`` (``study_folder.check_study_folder``).
    """
    if n < 1:
        raise ValueError(f"n={n} must be >= 1")
    if not across and (digit is None or not 0 <= digit <= 9):
        raise ValueError(f"digit={digit} must be 0-9 for within-digit pairs")
    check_study_folder(out_dir, force)
    log.info("make-pairs: drawing %d %s pairs from MNIST %s", n, "mixed-digit" if across else f"digit-{digit}", split)
    _, labels = load_mnist_split(split)
    labels = labels.numpy()
    rng = np.random.default_rng(seed)
    rows = []
    width = max(2, len(str(n)))
    if across:
        pools = {d: list(rng.permutation(np.flatnonzero(labels == d))) for d in range(10)}
        for k in range(n):
            da, db = rng.choice(10, size=2, replace=False)
            rows.append([f"p{k + 1:0{width}d}", split, int(pools[da].pop()), int(pools[db].pop())])
    else:
        candidates = np.flatnonzero(labels == digit)
        if 2 * n > len(candidates):
            raise ValueError(f"MNIST {split} has {len(candidates)} images of {digit}: at most {len(candidates) // 2} "
                             f"pairs without reusing an image")
        chosen = rng.choice(candidates, size=2 * n, replace=False)
        rows = [[f"p{k + 1:0{width}d}", split, int(chosen[2 * k]), int(chosen[2 * k + 1])] for k in range(n)]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / PAIR_NPZ).unlink(missing_ok=True)  # only with force: a pair set is one file
    write_text_atomic(out_dir / PAIR_CSV, csv_text(["pair_id", "split", "index_a", "index_b"], rows))
    log.info("make-pairs: wrote %s", out_dir / PAIR_CSV)
    pairs = load_pair_set(out_dir)
    save_sheet(pairs, out_dir / "sheet.png", title=f"{n} {'mixed-digit' if across else f'digit-{digit}'} pairs "
                                                     f"(MNIST {split}, seed {seed})")
    log.info("make-pairs: wrote %s", out_dir / "sheet.png")
    return pairs
