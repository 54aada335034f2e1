"""The study database on SQLite (a file, WAL) and on a real PostgreSQL server started here from Debian's package:
the same answers through the same Flask app give the same rows."""

import glob
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time

import pytest
from study_fixtures import small_study

from siamese.human.collect.study_database import StudyDatabase, engine_url
from siamese.human.collect.study_server import make_app

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


def as_postgres(command):
    """Run ``command`` as the ``postgres`` user when we are root (initdb refuses root)."""
    return (["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command)


@pytest.fixture
def postgres_url():
    if not PG_BIN:
        pytest.skip("PostgreSQL binaries not installed (apt-get install -y postgresql)")
    bin_dir = os.path.dirname(PG_BIN[-1])
    root = tempfile.mkdtemp(prefix="siamese-pg-")
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    data = os.path.join(root, "data")
    subprocess.run(as_postgres([f"{bin_dir}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
                   check=True, capture_output=True, timeout=120)
    subprocess.run(as_postgres([f"{bin_dir}/pg_ctl", "-D", data, "-w", "-t", "60", "-l", os.path.join(root, "log"),
                                "-o", f"-k {root} -p {port} -c listen_addresses=''", "start"]),
                   check=True, capture_output=True, timeout=120)
    try:
        yield f"postgresql://postgres@/postgres?host={root}&port={port}"
    finally:
        subprocess.run(as_postgres([f"{bin_dir}/pg_ctl", "-D", data, "-m", "immediate", "stop"]), capture_output=True,
                       timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def run_session(study, database):
    """Two participants through the app (Flask's test client); returns the rows the database holds."""
    client = make_app(study, database, {"localhost"}).test_client()
    tokens = [client.post("/api/start", json={"PROLIFIC_PID": pid}).get_json()["token"] for pid in ("ann", "bob")]
    for seq, (trial, rating) in enumerate([("q0", 3), ("q1", 7), ("catch-0", 10)]):
        for token, shift in zip(tokens, (0, -1)):
            kind = "catch" if trial.startswith("catch") else "main"
            body = {"seq": seq, "kind": kind, "trial_id": trial, "response": rating + shift, "rt": 900}
            reply = client.post("/api/answer", headers={"X-Study-Token": token}, json=body)
            assert reply.status_code == 200, reply.get_json()
    changed = client.post("/api/answer", headers={"X-Study-Token": tokens[0]},
                          json={"seq": 0, "kind": "main", "trial_id": "q0", "response": 9, "rt": 900})
    assert changed.status_code == 409
    assert client.post("/api/finish", json={}, headers={"X-Study-Token": tokens[1]}).status_code == 200
    return [(r["prolific_pid"], r["seq"], r["trial_id"], r["response"], r["rt"], r["finished"] is not None)
            for r in database.rows()]


EXPECTED = [("ann", 0, "q0", "3", 900.0, False), ("ann", 1, "q1", "7", 900.0, False),
            ("ann", 2, "catch-0", "10", 900.0, False), ("bob", 0, "q0", "2", 900.0, True),
            ("bob", 1, "q1", "6", 900.0, True), ("bob", 2, "catch-0", "9", 900.0, True)]


def test_sqlite_in_wal_mode_holds_the_session(tmp_path):
    _, study = small_study(tmp_path, "rating")
    database = StudyDatabase(f"sqlite:///{tmp_path / 'a.sqlite'}")
    try:
        assert run_session(study, database) == EXPECTED
    finally:
        database.close()
    with sqlite3.connect(tmp_path / "a.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_postgresql_holds_the_same_session(tmp_path, postgres_url):
    _, study = small_study(tmp_path, "rating")
    database = StudyDatabase(postgres_url)
    try:
        assert database.engine.dialect.name == "postgresql"
        started = time.monotonic()
        assert run_session(study, database) == EXPECTED
        assert time.monotonic() - started < 30
    finally:
        database.close()


def test_database_urls():
    assert engine_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert engine_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"
    with pytest.raises(ValueError, match="database URL must start with sqlite:/// or postgresql://, got 'mysql://x'"):
        StudyDatabase("mysql://x")
