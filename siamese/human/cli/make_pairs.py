"""``python -m siamese.human make-pairs OUT_DIR``: random MNIST pairs as a pair set + printable sheet.png."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "random test pairs (MNIST, any dataset, an image folder) as a pair set + printable sheet.png"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out_dir")
    parser.add_argument("--digit", type=int, default=8, help="digit of within-digit pairs (default 8)")
    parser.add_argument("--n", type=int, default=20, help="number of pairs (default 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--force", action="store_true", help="draw into a folder that already holds a study "
                                                             "(its ratings/choices then no longer match; readers "
                                                             "refuse them)")
    parser.add_argument("--across", action="store_true", help="pairs of two different digits instead")
    parser.add_argument("--split", default="test", choices=["test", "train"])
    parser.add_argument("--dataset", help="draw from this dataset instead of MNIST (cifar10, svhn, fashion_mnist, "
                                          "..., image_folder, npz; docs/models_and_data.md), with --root")
    parser.add_argument("--root", help="data.root of --dataset (a folder, or the .npz file)")
    parser.add_argument("--images", help="a folder with one sub-folder of images per class (= --dataset "
                                         "image_folder --root FOLDER)")
    parser.add_argument("--classes", nargs="+", help="class names or ids of --dataset (default: all)")
    parser.add_argument("--dataset-split", help="EMNIST's split (letters, digits, ...)")
    parser.add_argument("--image-size", type=int, help="resize + centre-crop folder images to this size")


def run(args) -> int:
    from siamese.human.io.study_folder import StudyFolderInUse

    try:
        return draw(args)
    except StudyFolderInUse as error:
        print(f"error: {error.for_command('make-pairs')}", file=sys.stderr)
        return 2


def draw(args) -> int:
    if args.dataset or args.images:
        from siamese.human.collect.dataset_pairs import make_dataset_pairs

        dataset, root = ("image_folder", args.images) if args.images else (args.dataset, args.root)
        classes = None if not args.classes else [int(c) if c.isdigit() else c for c in args.classes]
        pairs = make_dataset_pairs(args.out_dir, dataset, root, args.n, classes, args.across, args.seed,
                                   args.split, args.dataset_split, args.image_size, args.force)
        written = Path(args.out_dir) / "pairs.npz"
    else:
        from siamese.human.collect.pairs import make_pairs

        pairs = make_pairs(args.out_dir, args.n, args.digit, args.across, args.seed, args.split, args.force)
        written = Path(args.out_dir) / "pairs.csv"
    print(f"wrote {len(pairs)} pairs to {written} and the sheet {Path(args.out_dir) / 'sheet.png'}")
    return 0
