"""python -m siamese.human {make-pairs, eval, eval-images, synthetic-ratings, ais} ... (see docs/human_similarity.md
and docs/alignment_importance.md)."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# subcommand -> module with HELP, add_arguments(parser) and run(args); imported only when chosen (align-cv, say,
# pulls in the whole training stack)
COMMANDS = {
    "make-pairs": "siamese.human.cli.make_pairs",
    "eval": "siamese.human.cli.evaluate",
    "eval-images": "siamese.human.cli.eval_images",
    "synthetic-ratings": "siamese.human.cli.synthetic_ratings",
    "ais": "siamese.human.ais.cli",
    "align-cv": "siamese.human.cli.align_cv",
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
