"""python -m siamese.rate PAIR_SET_DIR --ratings ratings.csv [--port 8000]: the local rating page."""

from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m siamese.rate", description=__doc__)
    parser.add_argument("pairs", help="pair set directory (pairs.npz or pairs.csv)")
    parser.add_argument("--ratings", required=True, help="CSV the ratings are appended to (created if missing)")
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0 = any free port)")
    args = parser.parse_args(argv)
    from siamese.human.collect.rating_server import make_server
    from siamese.human.io.common import FormatError
    from siamese.human.io.pair_set import load_pair_set

    try:
        server = make_server(load_pair_set(args.pairs), args.ratings, args.port)
    except (FormatError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    host, port = server.server_address[:2]
    print(f"rating page: http://{host}:{port}/  (ratings are appended to {args.ratings}; Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
