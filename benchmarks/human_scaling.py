"""Growth curves of the human toolkit's analyses: seconds against size, on SYNTHETIC data.

``python -m benchmarks.human_scaling [--parts ooo eval align] [--ooo-sizes ...] [--pair-sizes ...]
[--align-sizes ...] [--out DIR] [--name STEM]``

- ``ooo``: odd-one-out scoring of 2,000 images (64-D seeded Gaussian embeddings) on T random SYNTHETIC answers:
  reading the THINGS file (``read_things``), the three pair similarities of every answer
  (``embedding_pair_similarities``) and the score with its 1,000-resample bootstrap CI and the noise ceiling
  (``score_odd_one_out``). Target: 1,000,000 answers in under 60 s on 2 cores.
- ``eval``: ``python -m siamese.human eval``'s work (``siamese.human.compare.correlation.evaluate``) on P
  SYNTHETIC rated pairs among 2,000 MNIST test digits (5 raters, each rating 80% of the pairs, 1-10), a random
  classifier net (all 3 layers) and the pixel baseline, default resamples (2,000 bootstrap, 5,000 permutations).
- ``align``: ``align-readout``'s work (``cross_validate_readouts``, 5 outer / 3 inner folds) with layer mixing
  (pixels + 3 layers), feature reweighting and the linear transform on ``fc``, on P pairs of 2P MNIST train
  digits, each image in one pair (its image-grouped folds need separate groups; 5,000 random pairs over 2,000
  images are one group).

Writes ``human_scaling.md`` (the table) and ``human_scaling.png`` (log-log curves) into ``--out`` (default
``benchmarks/``), and prints the table.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import numpy as np

N_IMAGES = 2000


def synthetic_answers(n_images: int, n: int, seed: int = 0) -> np.ndarray:
    from siamese.human.compare.synthetic_triplets import random_triplets

    return random_triplets(n_images, n, np.random.default_rng(seed))


def time_ooo(size: int, work: Path, seed: int = 0) -> dict:
    from siamese.human.compare.odd_one_out import embedding_pair_similarities, score_odd_one_out
    from siamese.human.io.things import read_things, write_things_triplets

    rng = np.random.default_rng(seed)
    embedding = rng.normal(size=(N_IMAGES, 64))
    directory = work / f"things_{size}"
    directory.mkdir(parents=True, exist_ok=True)
    np.savez(directory / "images.npz", images=np.zeros((N_IMAGES, 2, 2), np.uint8),
             image_id=np.array([f"o{k}" for k in range(N_IMAGES)]), synthetic=np.bool_(True))
    write_things_triplets(directory / "train_90.txt", synthetic_answers(N_IMAGES, size, seed))
    started = time.perf_counter()
    answers = read_things(directory).odd_one_out
    read = time.perf_counter()
    sims = embedding_pair_similarities(embedding, answers.triplets)
    similar = time.perf_counter()
    result = score_odd_one_out(sims, answers, N_IMAGES, n_boot=1000)
    done = time.perf_counter()
    return {"part": "odd-one-out", "size": size, "read_s": read - started, "similarity_s": similar - read,
            "score_s": done - similar, "total_s": done - started, "accuracy": result["accuracy"]}


def synthetic_judgments(size: int, seed: int = 0, disjoint: bool = False):
    """``size`` rated pairs among 2,000 MNIST test digits (random pairs: they share images), or, ``disjoint``,
    among ``2 * size`` MNIST train digits with every image in one pair (image-grouped folds need separate groups:
    5,000 random pairs over 2,000 images link them all into one)."""
    if disjoint:
        return _disjoint_judgments(size, seed)
    return _shared_judgments(size, seed)


def _disjoint_judgments(size: int, seed: int = 0):
    from siamese.data.mnist import load_mnist_split
    from siamese.human.io.judgments import Judgments

    rng = np.random.default_rng(seed)
    images, _ = load_mnist_split("train")
    images = np.asarray(images)[rng.choice(len(images), 2 * size, replace=False)]
    ratings = np.clip(np.round(rng.normal(5.5, 2.5, size=(5, size))), 1, 10)
    ratings[rng.random(ratings.shape) > 0.8] = np.nan
    return Judgments([f"d{k}" for k in range(2 * size)], images, [f"p{k}" for k in range(size)],
                     np.arange(2 * size).reshape(size, 2), ratings, [f"r{k}" for k in range(5)], synthetic=True)


def _shared_judgments(size: int, seed: int = 0):
    from siamese.data.mnist import load_mnist_split
    from siamese.human.io.judgments import Judgments

    rng = np.random.default_rng(seed)
    images, _ = load_mnist_split("test")
    images = np.asarray(images)[rng.choice(len(images), N_IMAGES, replace=False)]
    pairs = set()
    while len(pairs) < size:
        a, b = rng.integers(0, N_IMAGES, 2)
        if a != b:
            pairs.add((min(a, b), max(a, b)))
    pairs = np.array(sorted(pairs))
    ratings = np.clip(np.round(rng.normal(5.5, 2.5, size=(5, size))), 1, 10)
    ratings[rng.random(ratings.shape) > 0.8] = np.nan
    return Judgments([f"d{k}" for k in range(N_IMAGES)], images, [f"p{k}" for k in range(size)], pairs, ratings,
                     [f"r{k}" for k in range(5)], synthetic=True)


def random_net():
    import torch

    from siamese.models import ClassifierNet
    from siamese.models.loading import LoadedNet

    torch.manual_seed(0)
    return LoadedNet(ClassifierNet(num_classes=10).eval(), name="random-classifier", mean=0.1307, std=0.3081)


def time_eval(size: int, work: Path) -> dict:
    from siamese.human.compare.correlation import evaluate

    judgments = synthetic_judgments(size)
    started = time.perf_counter()
    evaluate(judgments, work / f"eval_{size}", random_net(), None, ["pixels"])
    return {"part": "eval", "size": size, "total_s": time.perf_counter() - started}


def time_align(size: int, work: Path) -> dict:
    from siamese.human.readouts import PIXELS, extract_pair_features
    from siamese.human.readouts.nested_cv import ReadoutSpec, cross_validate_readouts

    judgments = synthetic_judgments(size, disjoint=True)
    net = random_net()
    layers = list(net.net.layer_names)
    started = time.perf_counter()
    features = extract_pair_features(net, judgments.images_a, judgments.images_b, [PIXELS, *layers])
    specs = [ReadoutSpec("layer_mixing", [PIXELS, *layers]), ReadoutSpec("feature_reweighting", ["fc"]),
             ReadoutSpec("linear_transform", ["fc"])]
    cross_validate_readouts(judgments, features, specs, folds=5, inner_folds=3, fit_final=False)
    return {"part": "align-readout", "size": size, "total_s": time.perf_counter() - started}


def table(rows: list[dict]) -> str:
    lines = ["| part | size | seconds | detail |", "|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (["odd-one-out", "eval", "align-readout"].index(r["part"]), r["size"])):
        detail = (f"read {r['read_s']:.1f} s, similarities {r['similarity_s']:.1f} s, score + CI + ceiling "
                  f"{r['score_s']:.1f} s" if r["part"] == "odd-one-out" else "")
        lines.append(f"| {r['part']} | {r['size']:,} | {r['total_s']:.1f} | {detail} |")
    return "\n".join(lines)


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from siamese.utils.files import save_figure_atomic

    figure, axis = plt.subplots(figsize=(6, 4))
    for part in dict.fromkeys(r["part"] for r in rows):
        points = sorted((r["size"], r["total_s"]) for r in rows if r["part"] == part)
        axis.loglog(*zip(*points), marker="o", label=part)
    axis.axhline(60, color="grey", linestyle=":", label="60 s")
    axis.set_xlabel("size (answers or rated pairs; SYNTHETIC)")
    axis.set_ylabel("seconds")
    axis.legend()
    axis.set_title("human toolkit: seconds vs size (2 CPU cores)")
    save_figure_atomic(figure, path, dpi=120, bbox_inches="tight")
    plt.close(figure)


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", nargs="+", default=["ooo", "eval", "align"], choices=["ooo", "eval", "align"])
    parser.add_argument("--ooo-sizes", type=int, nargs="+", default=[10_000, 100_000, 300_000, 1_000_000])
    parser.add_argument("--pair-sizes", type=int, nargs="+", default=[1_000, 2_500, 5_000, 10_000])
    parser.add_argument("--align-sizes", type=int, nargs="+", help="rated pairs for align (default: --pair-sizes)")
    parser.add_argument("--out", default=str(Path(__file__).parent))
    parser.add_argument("--name", default="human_scaling", help="output file stem (.md, .json, .png)")
    parser.add_argument("--append", action="store_true", help="add to the rows of an existing <name>.json")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = json.loads((out / f"{args.name}.json").read_text()) if args.append else []
    with tempfile.TemporaryDirectory() as tmp:
        for part, sizes, timer in (("ooo", args.ooo_sizes, time_ooo), ("eval", args.pair_sizes, time_eval),
                                   ("align", args.align_sizes or args.pair_sizes, time_align)):
            if part in args.parts:
                for size in sizes:
                    rows.append(timer(size, Path(tmp)))
                    print(table(rows[-1:]).splitlines()[-1], flush=True)
                    write(rows, out, args.name)  # after every size: a long run that is stopped keeps its rows
    text = table(rows)
    print(text)
    return text


def write(rows: list[dict], out: Path, name: str) -> None:
    from siamese.utils.files import write_text_atomic

    write_text_atomic(out / f"{name}.md", f"SYNTHETIC data; seconds on this machine (see README).\n\n{table(rows)}\n")
    write_text_atomic(out / f"{name}.json", json.dumps(rows, indent=1))
    plot(rows, out / f"{name}.png")


if __name__ == "__main__":
    main()
