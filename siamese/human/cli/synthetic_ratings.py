"""``python -m siamese.human synthetic-ratings PAIRS``: SYNTHETIC ratings (pixel cosine + noise), for demos."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "write SYNTHETIC ratings (pixel cosine + noise), for demos"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pairs")
    parser.add_argument("--out", help="default: <pairs>/ratings_synthetic.csv")
    parser.add_argument("--raters", type=int, default=4)
    parser.add_argument("--noise", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)


def run(args) -> int:
    from siamese.human.compare.synthetic import synthetic_ratings
    from siamese.human.io.pair_set import load_pair_set

    pairs = load_pair_set(args.pairs)
    path = synthetic_ratings(pairs, args.out or Path(args.pairs) / "ratings_synthetic.csv", args.raters,
                             args.noise, args.seed)
    print(f"wrote SYNTHETIC ratings (pixel cosine + noise, not people) to {path}")
    return 0
