"""python -m siamese.human {make-pairs, make-triplets, rate, eval, eval-images, synthetic-ratings, ais, align-cv,
align-readout, make-observer, make-study, export-study, import-study, odd-one-out, export-rdms} ... (see
docs/human_similarity.md, docs/alignment_importance.md, docs/human_aligned_training.md,
docs/human_alignment_readouts.md, docs/odd_one_out.md, docs/running_a_study.md)."""

from __future__ import annotations

import argparse
import importlib
import logging
import re
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
    "make-study": "siamese.human.cli.make_study",
    "export-study": "siamese.human.cli.export_study",
    "import-study": "siamese.human.cli.import_study",
    "odd-one-out": "siamese.human.cli.odd_one_out",
    "export-rdms": "siamese.human.cli.export_rdms",
}


def flag_message(message: str, parser: argparse.ArgumentParser, renames: dict[str, str] | None = None) -> str:
    """A library error in the words of the command line: each ``name=`` of a Python parameter that one of
    ``parser``'s flags sets becomes that flag (``val_fraction=2 must be ...`` -> ``--val-fraction 2 must be ...``).
    ``renames`` maps a parameter to the flag's ``dest`` where the two differ (``{"n_raters": "raters"}``)."""
    flags = {action.dest: action.option_strings[-1] for action in parser._actions if action.option_strings}
    flags.update({param: flags[dest] for param, dest in (renames or {}).items() if dest in flags})
    for name in sorted(flags, key=len, reverse=True):
        message = re.sub(rf"(?<![\w.-]){re.escape(name)}=(True\b)?", f"{flags[name]} ", message)
    return message.replace("  ", " ")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m siamese.human", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    subparsers = {}
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        subparsers[name] = commands.add_parser(name, help=module.HELP)
        module.add_arguments(subparsers[name])
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from siamese.human.io.common import FormatError

    module = importlib.import_module(COMMANDS[args.command])
    try:
        return module.run(args)
    except (FormatError, FileNotFoundError, KeyError, ValueError) as error:
        text = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"error: {flag_message(str(text), subparsers[args.command], getattr(module, 'RENAMES', None))}",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
