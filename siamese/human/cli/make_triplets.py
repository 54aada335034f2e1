"""``python -m siamese.human make-triplets OUT_DIR``: random MNIST 2AFC trials (anchor, a, b) for the rating page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "random MNIST 2AFC trials (anchor, a, b) for the rating page's 2AFC mode"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out_dir")
    parser.add_argument("--digit", type=int, default=8, help="digit of within-digit trials (default 8)")
    parser.add_argument("--n", type=int, default=20, help="number of trials (default 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true", help="draw into a folder that already holds a study "
                                                             "(its ratings/choices then no longer match; readers "
                                                             "refuse them)")
    parser.add_argument("--across", action="store_true", help="three images of random digits instead")
    parser.add_argument("--split", default="test", choices=["test", "train"])


def run(args) -> int:
    from siamese.human.collect.make_triplets import make_triplets
    from siamese.human.io.study_folder import StudyFolderInUse

    try:
        trials = make_triplets(args.out_dir, args.n, args.digit, args.across, args.seed, args.split, args.force)
    except StudyFolderInUse as error:
        print(f"error: {error.for_command('make-triplets')}", file=sys.stderr)
        return 2
    print(f"wrote {len(trials)} trials to {Path(args.out_dir) / 'trials.csv'}; ask them with "
          f"python -m siamese.human rate {args.out_dir} --mode 2afc")
    return 0
