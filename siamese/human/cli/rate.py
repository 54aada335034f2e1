"""``python -m siamese.human rate PAIR_SET_DIR --ratings ratings.csv [--port 8000]`` (or ``siamese-rate ...``): the
local rating page; ``... rate TRIAL_SET_DIR --mode 2afc [--choices FILE]``: its 2AFC mode (trial sets:
``make-triplets``)."""

from __future__ import annotations

import argparse
import sys

HELP = "the local rating page (pairs rated 1-10, or 2AFC trials)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pairs", help="pair set directory (pairs.npz or pairs.csv); --mode 2afc: a trial set "
                                      "directory (images.npz + trials.csv, python -m siamese.human make-triplets)")
    parser.add_argument("--mode", choices=["rate", "2afc"], default="rate",
                        help="rate: 1-10 ratings of pairs (default); 2afc: which of two images is more like an anchor")
    parser.add_argument("--ratings", help="CSV the ratings are appended to (created if missing; --mode rate)")
    parser.add_argument("--choices", help="CSV the 2AFC answers are appended to (default <trial set>/choices.csv)")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0 = any free port)")


def main(argv=None) -> int:
    """The ``siamese-rate`` console script: ``python -m siamese.human rate`` on its own."""
    parser = argparse.ArgumentParser(prog="siamese-rate", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


def run(args) -> int:
    if args.mode == "rate" and not args.ratings:
        print("error: --ratings is required (the CSV the ratings are appended to)", file=sys.stderr)
        return 2
    from siamese.human.io.common import FormatError
    from siamese.human.io.pair_set import load_pair_set

    try:
        if args.mode == "2afc":
            from pathlib import Path

            from siamese.human.collect.two_afc import make_two_afc_server
            from siamese.human.io.trial_set import CHOICES_CSV, load_trial_set

            output = args.choices or str(Path(args.pairs) / CHOICES_CSV)
            server = make_two_afc_server(load_trial_set(args.pairs), output, args.port)
        else:
            from siamese.human.collect.rating_server import make_server

            output = args.ratings
            server = make_server(load_pair_set(args.pairs), args.ratings, args.port)
    except (FormatError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    host, port = server.server_address[:2]
    print(f"rating page: http://{host}:{port}/  (answers are appended to {output}; Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
