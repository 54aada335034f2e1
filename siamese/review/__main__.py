"""``python -m siamese.review RUN_DIR [RUN_DIR ...]``: one self-contained offline HTML report of runs (a run
directory, or a multirun directory: its runs side by side), plus per run the embedding evolution (GIF + grid) and
the error gallery under ``<run>/review/``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from siamese.evaluation.projection import PROJECTIONS
from siamese.review.runs import NO_EPOCH, find_runs, load_run

log = logging.getLogger("siamese.review")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m siamese.review", description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", help="run directories or multirun directories")
    parser.add_argument("--out", help="the HTML file (default: <first RUN_DIR>/review.html)")
    parser.add_argument("--title", default=None, help="page title (default: the directories given)")
    parser.add_argument("--max-points", type=int, default=600, help="points per split in the scatter (default 600)")
    parser.add_argument("--projection", choices=PROJECTIONS, default="pca",
                        help="2-D view of embeddings with more than 2 dimensions (default pca)")
    parser.add_argument("--no-figures", action="store_true", help="only the HTML, no evolution GIF/grid or gallery")
    parser.add_argument("--gallery-k", type=int, default=5, help="nearest training images per gallery row")
    parser.add_argument("--gallery-rows", type=int, default=12, help="misclassified queries shown in the gallery")
    args = parser.parse_args(argv)
    if args.max_points < 1:
        parser.error(f"--max-points must be >= 1, got {args.max_points}")
    return args


def main(argv=None) -> Path:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for noisy in ("faiss.loader", "matplotlib", "PML"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    args = parse_args(argv)
    try:
        runs = [load_run(path) for path in find_runs(args.runs)]
    except FileNotFoundError as error:
        sys.exit(f"error: {error}")
    if not args.no_figures:
        from siamese.review.figures import write_run_figures

        for run in runs:
            for path in write_run_figures(run, projection=args.projection, k=args.gallery_k,
                                          max_rows=args.gallery_rows):
                log.info("wrote %s", path)
    from siamese.review.report import write_report

    empty = [run.name for run in runs if run.status == NO_EPOCH]
    if empty:
        log.warning("%d of %d runs logged no epoch (failed jobs' stub folders, or runs still in their first epoch); "
                    "listed, not drawn: %s", len(empty), len(runs), ", ".join(empty))
    out = Path(args.out) if args.out else Path(args.runs[0]) / "review.html"
    write_report(runs, out, title=args.title or "siamese review: " + " ".join(args.runs),
                 max_points=args.max_points, projection=args.projection)
    log.info("wrote %s (%d runs)", out, len(runs))
    return out


def console() -> int:
    """``siamese-review`` (pyproject ``[project.scripts]``): ``main`` with exit status 0 (``main`` returns the path)."""
    main()
    return 0


if __name__ == "__main__":
    main()
