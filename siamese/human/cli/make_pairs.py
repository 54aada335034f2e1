"""``python -m siamese.human make-pairs OUT_DIR``: random MNIST pairs as a pair set + printable sheet.png."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "random MNIST test pairs as a pair set + printable sheet.png"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out_dir")
    parser.add_argument("--digit", type=int, default=8, help="digit of within-digit pairs (default 8)")
    parser.add_argument("--n", type=int, default=20, help="number of pairs (default 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--across", action="store_true", help="pairs of two different digits instead")
    parser.add_argument("--split", default="test", choices=["test", "train"])


def run(args) -> int:
    from siamese.human.collect.pairs import make_pairs

    pairs = make_pairs(args.out_dir, args.n, args.digit, args.across, args.seed, args.split)
    print(f"wrote {len(pairs)} pairs to {Path(args.out_dir) / 'pairs.csv'} and the sheet "
          f"{Path(args.out_dir) / 'sheet.png'}")
    return 0
