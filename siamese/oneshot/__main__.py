"""``python -m siamese.oneshot --runs DIR_OR_ZIP --out OUT [--model SOURCE]``: the one-shot classification error
of a model and of the pixel and Hausdorff baselines on runs in Lake et al.'s ``all_runs`` format (docs/oneshot.md).

``python -m siamese.oneshot make-replica OUT``: write a SYNTHETIC replica of the runs in that format from the
shipped background images (``OUT/all_runs/``, ``OUT/all_runs.zip``)."""

from __future__ import annotations

import argparse
import logging
import sys

from siamese.models.source_arguments import add_source_arguments

log = logging.getLogger("siamese.oneshot")
BASELINES = ("pixels", "hausdorff")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m siamese.oneshot", description=__doc__.split("\n\n")[0])
    add_source_arguments(parser)
    parser.add_argument("--runs", required=True, help="a directory or zip holding runNN/class_labels.txt")
    parser.add_argument("--out", required=True, help="output directory: results.csv, results.json, results.md")
    parser.add_argument("--baselines", nargs="*", choices=BASELINES, default=list(BASELINES),
                        help="baselines to score too (default: pixels hausdorff; none: --baselines)")
    parser.add_argument("--distance", choices=["euclidean", "cosine"], default="euclidean",
                        help="distance of the model's embeddings when its net has no pair_scores (default euclidean)")
    args = parser.parse_args(argv)
    if not args.model and not args.baselines:
        parser.error("nothing to score: give --model or at least one of --baselines")
    return args


def parse_replica_args(argv) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m siamese.oneshot make-replica",
                                     description="Write a SYNTHETIC replica of the one-shot runs from the shipped "
                                                 "background images.")
    parser.add_argument("out", help="output directory (all_runs/, all_runs.zip, README.md)")
    parser.add_argument("--n-runs", type=int, default=20)
    parser.add_argument("--n-way", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def make_replica_main(argv) -> None:
    from siamese.oneshot.replica import make_replica

    args = parse_replica_args(argv)
    replica = make_replica(args.out, args.n_runs, args.n_way, args.seed)
    log.info("SYNTHETIC replica: %d runs in %s and %s", len(replica.assignment), replica.directory, replica.zip_path)


def score_main(argv) -> list:
    args = parse_args(argv)
    from siamese.models.source_arguments import source_from_args
    from siamese.oneshot.report import summary_lines, write_results
    from siamese.oneshot.runs import read_runs
    from siamese.oneshot.score import hausdorff_method, model_method, pixel_method, score_runs
    from siamese.oneshot.score import run_directory_checkpoint as checkpoint_of

    if args.model:
        args.model = checkpoint_of(args.model)
    runs = read_runs(args.runs)
    runs.check_images()
    log.info("%d runs from %s (%d test items)", len(runs), args.runs, sum(len(r.tests) for r in runs.runs))
    methods = [] if not args.model else [model_method(source_from_args(args), args.distance)]
    methods += [{"pixels": pixel_method, "hausdorff": hausdorff_method}[name]() for name in args.baselines]
    results = score_runs(runs, methods)
    for line in summary_lines(results):
        print(line)
    paths = write_results(args.out, results, str(args.runs), args.model)
    log.info("wrote %s", ", ".join(str(p) for p in paths))
    return results


def main(argv=None):
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("faiss.loader", "matplotlib", "PML"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv[:1] == ["make-replica"]:
            return make_replica_main(argv[1:])
        return score_main(argv)
    except (ValueError, FileNotFoundError, KeyError) as error:
        log.error("error: %s", error)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
