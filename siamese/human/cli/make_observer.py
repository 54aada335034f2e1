"""``python -m siamese.human make-observer``: write the SYNTHETIC hidden-observer benchmark (pairs + ratings)."""

from __future__ import annotations

import sys

HELP = "write a SYNTHETIC benchmark rated by a hidden observer network (pixels do not solve it)"
RENAMES = {"n_raters": "raters"}  # library parameter -> flag dest, for error messages


def add_arguments(parser) -> None:
    parser.add_argument("out_dir")
    parser.add_argument("--per-digit", type=int, default=20, help="within-digit pairs per digit (default 20)")
    parser.add_argument("--digits", type=int, nargs="+", default=list(range(10)), help="digits (default 0-9)")
    parser.add_argument("--raters", type=int, default=8, help="simulated raters (default 8)")
    parser.add_argument("--noise", type=float, default=0.5, help="rating noise sd, in percept sds (default 0.5)")
    parser.add_argument("--missing", type=float, default=0.1, help="probability a rating is missing (default 0.1)")
    parser.add_argument("--observer-ckpt", help="use this checkpoint's --observer-layer as the observer instead of "
                                                "the random conv net")
    parser.add_argument("--observer-layer", default="fc")
    parser.add_argument("--observer-seed", type=int, default=1234, help="seed of the random observer net")
    parser.add_argument("--seed", type=int, default=0, help="seed of the pairs and the raters")
    parser.add_argument("--force", action="store_true", help="write into a folder that already holds a study")


def run(args) -> int:
    from siamese.human.compare.observer import (
        CheckpointObserver,
        RandomConvObserver,
        RaterModel,
        make_observer_benchmark,
    )
    from siamese.human.io.study_folder import StudyFolderInUse

    observer = (CheckpointObserver(args.observer_ckpt, args.observer_layer) if args.observer_ckpt
                else RandomConvObserver(args.observer_seed))
    try:
        info = make_observer_benchmark(args.out_dir, args.per_digit, args.digits,
                                       RaterModel(args.raters, args.noise, args.missing), observer, args.seed,
                                       args.force)
    except StudyFolderInUse as error:
        print(f"error: {error.for_command('make-observer')}", file=sys.stderr)
        return 2
    print(f"wrote a SYNTHETIC benchmark (hidden observer {info['observer']}, not people): {info['pairs']} pairs, "
          f"{info['ratings']} ratings by {len(info['raters'])} raters to {args.out_dir} "
          f"(pairs.csv, ratings_synthetic.csv, observer_truth.csv, observer.json)")
    return 0
