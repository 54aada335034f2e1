"""python -m siamese.human {make-pairs, make-triplets, rate, eval, eval-images, synthetic-ratings, ais, align-cv,
align-readout, make-observer} ... (see docs/human_similarity.md, docs/alignment_importance.md,
docs/human_aligned_training.md, docs/human_alignment_readouts.md)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# subcommand -> module with HELP, add_arguments(parser) and run(args); imported only when chosen (align-cv, say,
# pulls in the whole training stack)
COMMANDS = {
    "make-pairs": "siamese.human.cli.make_pairs",
    "make-triplets": "siamese.human.cli.make_triplets",
    "rate": "siamese.human.cli.rate",
    "eval": "siamese.human.cli.evaluate",
    "eval-images": "siamese.human.cli.eval_images",
    "synthetic-ratings": "siamese.human.cli.synthetic_ratings",
    "ais": "siamese.human.cli.ais",
    "align-cv": "siamese.human.cli.align_cv",
    "align-readout": "siamese.human.cli.align_readout",
    "make-observer": "siamese.human.cli.make_observer",
    "odd-one-out": "siamese.human.cli.odd_one_out",
    "export-rdms": "siamese.human.cli.export_rdms",
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m siamese.human", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        module.add_arguments(commands.add_parser(name, help=module.HELP))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from siamese.human.io.common import FormatError

    try:
        return importlib.import_module(COMMANDS[args.command]).run(args)
    except (FormatError, FileNotFoundError, KeyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
