"""The study server over real HTTP (a real SQLite file): tokens, answers written once, every refusal, two
participants at once, the served files, the stalled-connection limit."""

import json
import socket
import sqlite3
import threading
import urllib.error
import urllib.request

import pytest
from study_fixtures import small_study

from siamese.human.collect.study_database import StudyDatabase
from siamese.human.collect.study_server import make_study_server


class Served:
    def __init__(self, study, db_path, timeout=30.0):
        self.database = StudyDatabase(f"sqlite:///{db_path}")
        self.db_path = db_path
        self.server = make_study_server(study, self.database, port=0, timeout=timeout)
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def request(self, path, body=None, token=None, headers=None, raw=None, method=None):
        sent = {"Content-Type": "application/json", **({"X-Study-Token": token} if token else {}), **(headers or {})}
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(self.base + path, data=data, headers=sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, reply.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def post(self, path, body, token=None, **kw):
        status, payload = self.request(path, body, token, **kw)
        return status, json.loads(payload)

    def start(self, pid):
        status, reply = self.post("api/start", {"PROLIFIC_PID": pid, "STUDY_ID": "S", "SESSION_ID": "X" + pid})
        assert status == 200
        return reply["token"]

    def rows(self):
        """The answers table read straight from the file (not through the server)."""
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute("SELECT p.prolific_pid, a.seq, a.kind, a.trial_id, a.response FROM answers a "
                                "JOIN participants p ON p.id = a.participant_id ORDER BY a.id").fetchall()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.database.close()


@pytest.fixture
def served(tmp_path):
    _, study = small_study(tmp_path, "rating")
    running = Served(study, tmp_path / "answers.sqlite")
    yield running
    running.stop()


def answer(seq, trial, rating, kind="main", rt=800):
    return {"seq": seq, "kind": kind, "trial_id": trial, "response": rating, "rt": rt}


def test_two_participants_at_once_each_keep_their_own_answers(served):
    ann, bob = served.start("ann"), served.start("bob")
    assert ann != bob
    for k in range(3):  # interleaved: ann's k-th answer, then bob's
        assert served.post("api/answer", answer(k, f"q{k}", 2), ann) == (200, {"saved": True, "seq": k})
        assert served.post("api/answer", answer(k, f"q{k}", 9), bob)[0] == 200
    assert served.post("api/answer", answer(3, "q3", 5, kind="repeat"), ann)[0] == 400  # q3 is not repeated
    assert served.rows() == [(who, k, "main", f"q{k}", str(r)) for k in range(3) for who, r in (("ann", 2), ("bob", 9))]
    assert served.post("api/finish", {}, ann) == (200, {"finished": True})
    finished = {p["prolific_pid"]: p["finished"] is not None for p in served.database.participants()}
    assert finished == {"ann": True, "bob": False}


def test_another_token_cannot_change_and_an_unknown_one_cannot_write(served):
    ann, bob = served.start("ann"), served.start("bob")
    served.post("api/answer", answer(0, "q0", 3), bob)
    # a retry of the very same answer is recognized; a change is refused, whoever sends it
    assert served.post("api/answer", answer(0, "q0", 3), bob) == (200, {"saved": True, "seq": 0, "duplicate": True})
    for token in (ann, bob):
        status, reply = served.post("api/answer", answer(0 if token == bob else 5, "q0", 10), token)
        if token == bob:
            assert status == 409 and "cannot be changed" in reply["error"]
    status, reply = served.post("api/answer", answer(1, "q1", 10), "not-a-token")
    assert (status, reply) == (403, {"error": "missing or unknown participant token; reload the study page"})
    assert served.post("api/answer", answer(2, "q2", 10))[0] == 403  # no token at all
    # bob keeps his 3 for q0; ann's own answer to q0 (seq 5) is hers
    assert served.rows() == [("bob", 0, "main", "q0", "3"), ("ann", 5, "main", "q0", "10")]


@pytest.mark.parametrize("body,status,message", [
    ({"seq": 0, "kind": "comment", "trial_id": "comment", "response": "<script>alert(1)</script>", "rt": 1},
     400, "markup is not accepted in a comment: remove < and >; the comment was not saved"),
    ({"seq": 0, "kind": "comment", "trial_id": "comment", "response": "a\x00b", "rt": 1},
     400, "a comment may not hold control characters; it was not saved"),
    (answer(0, "q0", 11), 400, "rating must be an integer 1-10, got 11"),
    (answer(0, "q0", True), 400, "rating must be an integer 1-10, got True"),
    (answer(0, "q9", 5), 400, "unknown trial 'q9'"),
    (answer(0, "practice-0", 5, kind="practice"), 400, "unknown trial 'practice-0'"),
    (answer(0, "catch-0", 5), 400, "trial 'catch-0' is not a 'main' trial"),
    (answer(-1, "q0", 5), 400, "seq must be an integer 0-99999, got -1"),
    (answer(0, "q0", 5, rt=-3), 400, "rt must be a number of ms in [0, 3600000], got -3"),
    ([1, 2], 400, "the request must be a JSON object"),
])
def test_bad_answers_get_a_clear_refusal_and_nothing_is_stored(served, body, status, message):
    token = served.start("ann")
    assert served.post("api/answer", body, token) == (status, {"error": message})
    assert served.rows() == []


def test_huge_body_wrong_host_origin_type_are_refused(served):
    token = served.start("ann")
    huge = {**answer(0, "q0", 5), "pad": "x" * 20_000}
    assert served.post("api/answer", huge, token) == (413, {"error": "request body too large"})
    assert served.post("api/answer", answer(0, "q0", 5), token, headers={"Host": "evil.example:80"})[0] == 421
    status, reply = served.post("api/answer", answer(0, "q0", 5), token, headers={"Origin": "http://evil.example"})
    assert (status, reply) == (403, {"error": "requests from http://evil.example are not accepted"})
    assert served.post("api/answer", answer(0, "q0", 5), token, headers={"Content-Type": "text/plain"}) == (
        415, {"error": "send application/json"})
    assert served.rows() == []
    # the page's own origin is accepted
    origin = {"Origin": f"http://127.0.0.1:{served.port}"}
    assert served.post("api/answer", answer(0, "q0", 5), token, headers=origin)[0] == 200


def test_only_the_page_files_are_served(served):
    assert served.request("")[0] == 200
    assert served.request("images/0.png")[0] == 200
    assert served.request("jspsych/jspsych.js")[0] == 200
    assert b"api/answer" in served.request("server.js")[1]  # ours, not the folder's "no server" file
    for path in ("study.json", "images.npz", "../answers.sqlite", "jspsych/../study.json", "api/answer"):
        assert served.request(path)[0] in (404, 405), path


def test_a_stalled_connection_is_dropped(tmp_path):
    _, study = small_study(tmp_path, "rating")
    running = Served(study, tmp_path / "a.sqlite", timeout=0.5)
    try:
        with socket.create_connection(("127.0.0.1", running.port), timeout=5) as sock:
            sock.sendall(b"POST /api/start HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and then nothing
            assert sock.recv(100) == b""  # closed by the server after its timeout, not by ours (5 s)
    finally:
        running.stop()


def test_accepted_host_names(tmp_path):
    import socket as sockets

    from siamese.human.collect.study_server import machine_hosts

    hosts = machine_hosts("0.0.0.0", 8123)
    assert {"127.0.0.1:8123", "localhost:8123", f"{sockets.gethostname()}:8123", sockets.gethostname()} <= hosts
    assert machine_hosts("127.0.0.1", 80) == {"127.0.0.1:80", "localhost:80"}
    _, study = small_study(tmp_path, "rating")
    database = StudyDatabase(f"sqlite:///{tmp_path / 'h.sqlite'}")
    server = make_study_server(study, database, port=0, allowed_hosts=["study.example.org"])
    try:
        client = server.app.test_client()
        for host, status in (("study.example.org", 200), (f"study.example.org:{server.server_address[1]}", 200),
                             ("other.example.org", 421)):
            assert client.get("/server.js", headers={"Host": host}).status_code == status, host
    finally:
        server.server_close()
        database.close()


def test_the_local_rating_page_refuses_study_flags(tmp_path, capsys, random_pair_set):
    from siamese.human.__main__ import main

    random_pair_set(3)
    assert main(["rate", str(tmp_path / "pairs"), "--ratings", str(tmp_path / "r.csv"), "--host", "0.0.0.0"]) == 2
    assert "the local rating page listens on 127.0.0.1 only" in capsys.readouterr().err
