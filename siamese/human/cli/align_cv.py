"""``python -m siamese.human align-cv``: k-fold CV of human-aligned training, held-out r/rho with and without."""

from __future__ import annotations

import argparse
from pathlib import Path

HELP = "k-fold CV of human-aligned training: held-out r/rho with and without"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pairs", required=True)
    parser.add_argument("--ratings", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--weight", type=float, default=1.0, help="human.weight of the 'with' arm")
    parser.add_argument("--layer", default="fc")
    parser.add_argument("--holdout-raters", action="store_true", help="train on half the raters, evaluate on the rest")
    parser.add_argument("--scale", type=float, nargs=2, default=(1, 10), metavar=("LOW", "HIGH"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("overrides", nargs="*",
                        help="train.py overrides, e.g. trainer.max_epochs=5 human.init_ckpt=CKPT")


def run(args) -> int:
    from siamese.human.align.cv import run_alignment_cv

    run_alignment_cv(args.pairs, args.ratings, args.out, args.folds, args.weight, args.layer,
                     tuple(args.overrides), args.holdout_raters, tuple(args.scale), args.seed)
    print(Path(args.out, "alignment_cv.md").read_text())
    return 0
