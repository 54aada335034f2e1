"""``python -m siamese.rate STUDY [--host 0.0.0.0] [--port 8000] [--db URL] [--allowed-host NAME ...]``: serve a
study directory (``make-study``) to remote participants; each answer is committed to the database before the
reply (``siamese.human.collect.study_server``). Called by ``rate`` when its directory holds a ``study.json``."""

from __future__ import annotations

import sys
from pathlib import Path

LOOPBACK = ("127.0.0.1", "localhost")


def default_db(study: str | Path) -> str:
    """``sqlite:///<study>.sqlite``: beside the study folder, never inside it (the folder may be copied to a host)."""
    study = Path(study).resolve()
    return f"sqlite:///{study.parent / (study.name + '.sqlite')}"


def serve(args) -> int:
    from siamese.human.collect.study_database import StudyDatabase
    from siamese.human.collect.study_server import make_study_server
    from siamese.human.io.study import load_study

    study = load_study(args.pairs)
    database = StudyDatabase(args.db or default_db(args.pairs))
    try:
        server = make_study_server(study, database, args.host, args.port, args.allowed_host or ())
    except OSError as error:
        print(f"error: cannot listen on {args.host}:{args.port}: {error}", file=sys.stderr)
        return 2
    port = server.server_address[1]
    print(f"study {args.pairs} ({study.task}, {len(study.main_trials())} trials): http://{args.host}:{port}/ ; "
          f"answers go to {database.url}; Ctrl-C stops", flush=True)
    if args.host not in LOOPBACK:
        shown = sorted(h for h in server.allowed_hosts if h.endswith(f":{port}"))
        print(f"accepted Host names: {', '.join(shown)}; for another name (a proxy, DNS) add --allowed-host NAME",
              flush=True)
    return serve_until_interrupted(server, database.close)


def serve_until_interrupted(server, *closers) -> int:
    """Serve until Ctrl-C, then close the server and run ``closers`` (e.g. the database's close); exit status 0."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        for close in closers:
            close()
    return 0
