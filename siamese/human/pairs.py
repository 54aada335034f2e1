"""Drawing pair sets from MNIST and drawing printable sheets of numbered pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from siamese.human.formats import PAIR_CSV, PairSet, csv_text, load_pair_set, mnist_cache_dir, write_text_atomic


def make_pairs(out_dir: str | Path, n: int = 20, digit: int | None = 8, across: bool = False, seed: int = 0,
               split: str = "test") -> PairSet:
    """Write ``n`` random pairs of MNIST ``split`` images to ``out_dir/pairs.csv`` and a sheet ``sheet.png``.

    Within-digit (default): both images are ``digit``. ``across``: the two images of a pair are of two different
    digits drawn at random (``digit`` is then ignored). No image is used twice. Pair ids are ``p01``, ``p02``...
    """
    from siamese.data import load_mnist

    if n < 1:
        raise ValueError(f"--n must be >= 1, got {n}")
    if not across and (digit is None or not 0 <= digit <= 9):
        raise ValueError(f"--digit must be 0-9 for within-digit pairs, got {digit}")
    _, labels = load_mnist(split, cache_dir=mnist_cache_dir())
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
    write_text_atomic(out_dir / PAIR_CSV, csv_text(["pair_id", "split", "index_a", "index_b"], rows))
    pairs = load_pair_set(out_dir)
    save_sheet(pairs, out_dir / "sheet.png", title=f"{n} {'mixed-digit' if across else f'digit-{digit}'} pairs "
                                                     f"(MNIST {split}, seed {seed})")
    return pairs


def save_sheet(pairs: PairSet, path: str | Path, title: str = "", notes: list[str] | None = None,
               columns: int = 4) -> Path:
    """A printable (A4 portrait) PNG sheet: each pair as its two images side by side, numbered by pair id, with
    an optional line of ``notes`` under each (e.g. model and human scores)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(pairs)
    rows = int(np.ceil(n / columns))
    fig = plt.figure(figsize=(8.27, max(2.5, 2.2 * rows + 0.8)), dpi=150)
    if title:
        fig.suptitle(title, fontsize=11)
    for k in range(n):
        ax = fig.add_subplot(rows, columns, k + 1)
        gap = np.zeros((28, 6), dtype=np.uint8)  # white after the inversion below
        # dark digits on white paper print better than MNIST's white on black
        ax.imshow(255 - np.hstack([pairs.images_a[k], gap, pairs.images_b[k]]), cmap="gray", vmin=0, vmax=255)
        ax.set_xticks([]), ax.set_yticks([])
        ax.set_title(pairs.pair_id[k], fontsize=10, fontweight="bold")
        if notes:
            ax.set_xlabel(notes[k], fontsize=7)
    fig.tight_layout(rect=(0, 0, 1, 0.97 if title else 1))
    path = Path(path)
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(path)
    return path
