"""``python -m siamese.human rate PAIR_SET_DIR --ratings ratings.csv [--port 8000]`` (or ``siamese-rate ...``): the
local rating page; ``... rate TRIAL_SET_DIR --mode 2afc [--choices FILE]``: its 2AFC mode (trial sets:
``make-triplets``); ``... rate STUDY [--host 0.0.0.0] [--db URL]`` (also ``python -m siamese.rate STUDY``): serve a
jsPsych study (``make-study``) to remote participants (``serve_study``)."""

from __future__ import annotations

import argparse
import sys

HELP = "the local rating page (pairs rated 1-10, or 2AFC trials)"


def port_number(text: str) -> int:
    """An argparse type: a TCP port 0-65535 (0: any free port), else the one-line usage error naming the value."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port; use 0-65535 (0 = any free port)")
    return port


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("pairs", help="pair set directory (pairs.npz or pairs.csv); --mode 2afc: a trial set "
                                      "directory (images.npz + trials.csv, python -m siamese.human make-triplets); "
                                      "or a study directory (study.json, python -m siamese.human make-study)")
    parser.add_argument("--mode", choices=["rate", "2afc"], default="rate",
                        help="rate: 1-10 ratings of pairs (default); 2afc: which of two images is more like an anchor")
    parser.add_argument("--ratings", help="CSV the ratings are appended to (created if missing; --mode rate)")
    parser.add_argument("--choices", help="CSV the 2AFC answers are appended to (default <trial set>/choices.csv)")
    parser.add_argument("--port", type=port_number, default=8000, help="port 0-65535 (0 = any free port)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="a study only: address to listen on (0.0.0.0: every interface; default 127.0.0.1)")
    parser.add_argument("--db", help="a study only: database URL, sqlite:///PATH (default <STUDY>.sqlite beside the "
                                     "study) or postgresql://USER@HOST/DB")
    parser.add_argument("--allowed-host", action="append",
                        help="a study only: another Host name participants' browsers use (a proxy's or DNS name)")


def main(argv=None) -> int:
    """The ``siamese-rate`` console script: ``python -m siamese.human rate`` on its own."""
    parser = argparse.ArgumentParser(prog="siamese-rate", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


def run(args) -> int:
    from pathlib import Path

    from siamese.human.io.study import STUDY_JSON

    if (Path(args.pairs) / STUDY_JSON).is_file():
        from siamese.human.cli.serve_study import serve

        return serve(args)
    if args.host != "127.0.0.1" or args.db or args.allowed_host:
        print("error: --host, --db and --allowed-host serve a study (a directory with study.json, python -m "
              "siamese.human make-study); the local rating page listens on 127.0.0.1 only", file=sys.stderr)
        return 2
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
    from siamese.human.cli.serve_study import serve_until_interrupted

    return serve_until_interrupted(server)


if __name__ == "__main__":
    sys.exit(main())
