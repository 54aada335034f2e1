"""The rating server loses no confirmed rating and takes ratings only from its own page."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading

import pytest

from siamese.human.collect.rating_server import RATING_COLUMNS, RatingFileBusy, make_server
from siamese.human.io.ratings import load_ratings

HEADER = "rater,pair_id,rating,revision,time"


@pytest.fixture
def pair_set(random_pair_set):
    return random_pair_set(3, ["p01", "p02", "p03"])


class Running:
    """A real server on a free port in a thread; ``post`` sends what a browser or an attacker would."""

    def __init__(self, pairs, ratings_path, **kwargs):
        self.server = make_server(pairs, ratings_path, port=0, **kwargs)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.port = self.server.server_address[1]
        self.own = f"127.0.0.1:{self.port}"

    def post(self, body, content_type="application/json", token=None, origin=None, host=None):
        headers = {"Content-Type": content_type, "Host": host or self.own,
                   "X-Rating-Token": self.server.token if token is None else token}
        if origin is not None:
            headers["Origin"] = origin
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest("POST", "/api/rate", skip_host=True)
            for key, value in headers.items():
                connection.putheader(key, value)
            connection.putheader("Content-Length", str(len(data)))
            connection.endheaders(data)
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            connection.close()

    def get(self, path, host=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.putrequest("GET", path, skip_host=True)
            connection.putheader("Host", host or self.own)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


RATING = {"rater": "bob", "pair_id": "p02", "rating": 7}


def test_a_file_without_final_newline_gets_one_before_the_new_row(pair_set, tmp_path):
    ratings = tmp_path / "r.csv"
    ratings.write_text(HEADER)  # the issue's repro: no newline after the header
    running = Running(pair_set, ratings)
    try:
        assert running.post(RATING)[0] == 200
    finally:
        running.stop()
    lines = ratings.read_text().splitlines()
    assert lines[0] == HEADER and lines[1].startswith("bob,p02,7,0,")
    assert ratings.read_text().endswith("\n")
    # and the server starts again on it
    Running(pair_set, ratings).stop()
    assert load_ratings(ratings, pair_set.pair_id).matrix[0, 1] == 7


def test_a_file_whose_last_row_lost_its_newline_while_serving_is_repaired_before_appending(pair_set, tmp_path):
    ratings = tmp_path / "r.csv"
    running = Running(pair_set, ratings)
    try:
        with open(ratings, "a") as f:  # someone else appended without a newline
            f.write("ann,p01,3,0,t")
        assert running.post(RATING)[0] == 200
    finally:
        running.stop()
    assert ratings.read_text().splitlines()[1:3] == ["ann,p01,3,0,t", ratings.read_text().splitlines()[2]]
    assert ratings.read_text().splitlines()[2].startswith("bob,p02,7,0,")


def test_a_second_server_on_the_same_file_refuses_to_start(pair_set, tmp_path):
    ratings = tmp_path / "r.csv"
    running = Running(pair_set, ratings)
    try:
        with pytest.raises(RatingFileBusy, match="another rating server has this ratings file open"):
            make_server(pair_set, ratings, port=0)
        # also as the command a second person would type: exit 2 with the message, nothing written
        result = subprocess.run([sys.executable, "-m", "siamese.human", "rate", str(tmp_path / "pairs"), "--ratings",
                                 str(ratings), "--port", "0"], capture_output=True, text=True, timeout=120)
        assert result.returncode == 2 and "another rating server" in result.stderr
    finally:
        running.stop()
    Running(pair_set, ratings).stop()  # the lock is released when the first one stops
    assert ratings.read_text() == ",".join(RATING_COLUMNS) + "\n"


@pytest.mark.parametrize("how", ["moved", "deleted", "replaced"])
def test_a_file_moved_away_while_serving_makes_the_post_fail_and_nothing_is_claimed_saved(pair_set, tmp_path, how):
    ratings = tmp_path / "r.csv"
    running = Running(pair_set, ratings)
    try:
        if how == "moved":
            ratings.rename(tmp_path / "elsewhere.csv")
        elif how == "deleted":
            ratings.unlink()
        else:
            ratings.rename(tmp_path / "old.csv")
            ratings.write_text(HEADER + "\n")
        status, body = running.post(RATING)
    finally:
        running.stop()
    assert status == 503 and body["saved"] is False and "moved, deleted or replaced" in body["error"]
    for path in tmp_path.glob("*.csv"):
        assert "bob" not in path.read_text()


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
def test_only_json_is_accepted(pair_set, tmp_path, content_type):
    running = Running(pair_set, tmp_path / "r.csv")
    try:
        assert running.post(RATING, content_type=content_type)[0] == 415
        assert running.post(RATING, content_type="application/json; charset=utf-8")[0] == 200
    finally:
        running.stop()


def test_a_foreign_origin_host_or_a_missing_token_is_refused(pair_set, tmp_path):
    ratings = tmp_path / "r.csv"
    running = Running(pair_set, ratings)
    try:
        assert running.post(RATING, origin="http://evil.example")[0] == 403
        assert running.post(RATING, host="evil.example")[0] == 421  # DNS rebinding names the attacker's host
        assert running.get("/", host=f"evil.example:{running.port}")[0] == 421  # nor can it read the token
        assert running.post(RATING, token="")[0] == 403
        assert running.post(RATING, token="guessed")[0] == 403
        assert "bob" not in ratings.read_text()
        assert running.post(RATING, origin=f"http://{running.own}")[0] == 200
        assert running.post(dict(RATING, rating=8), origin=f"http://localhost:{running.port}",
                            host=f"localhost:{running.port}")[0] == 200
        # the page carries this server's token
        status, page = running.get("/")
        assert status == 200 and running.server.token.encode() in page
    finally:
        running.stop()
    other = Running(pair_set, tmp_path / "other.csv")
    try:
        assert other.server.token != running.server.token  # random per server
    finally:
        other.stop()


@pytest.mark.parametrize("body", [
    {"rater": "bob", "pair_id": ["p01"], "rating": 3},
    {"rater": "bob", "pair_id": {"a": 1}, "rating": 3},
    {"rater": ["bob"], "pair_id": "p01", "rating": 3},
    [1, 2, 3],
    "just a string",
    b"[" * 5000 + b"]" * 5000,
    b'{"rater": "bob", "pair_id": "p01", "rating": ' + b"[" * 4900 + b"]" * 4900 + b"}",
    b"\xff\xfe not utf-8",
    b"{not json",
])
def test_bad_json_types_and_deep_nesting_get_a_400(pair_set, tmp_path, body):
    ratings = tmp_path / "r.csv"
    running = Running(pair_set, ratings)
    try:
        status, answer = running.post(body)
        assert status == 400 and answer["error"]
        assert running.post(RATING)[0] == 200  # the server is still serving
    finally:
        running.stop()


def test_a_half_sent_body_is_dropped_after_the_socket_timeout(pair_set, tmp_path):
    running = Running(pair_set, tmp_path / "r.csv", timeout=0.5)
    try:
        with socket.create_connection(("127.0.0.1", running.port), timeout=60) as sock:
            sock.sendall((f"POST /api/rate HTTP/1.1\r\nHost: {running.own}\r\nContent-Type: application/json\r\n"
                          f"X-Rating-Token: {running.server.token}\r\nContent-Length: 100\r\n\r\n{{\"rater\"").encode())
            # the server answers 408 and closes, instead of holding this thread forever (recv would time out)
            reply = b""
            while chunk := sock.recv(4096):
                reply += chunk
        assert reply.startswith(b"HTTP/1.0 408") or reply.startswith(b"HTTP/1.1 408"), reply
        assert running.post(RATING)[0] == 200
    finally:
        running.stop()


@pytest.mark.parametrize("name", ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", " =1"])
def test_rater_names_a_spreadsheet_would_run_as_formulas_are_rejected(pair_set, tmp_path, name):
    ratings = tmp_path / "r.csv"
    running = Running(pair_set, ratings)
    try:
        status, body = running.post(dict(RATING, rater=name))
        assert status == 400 and "formula" in body["error"]
        assert running.get(f"/api/state?rater={name}".replace(" ", "%20").replace("+", "%2B"))[0] == 400
    finally:
        running.stop()
    assert ratings.read_text() == ",".join(RATING_COLUMNS) + "\n"


def test_a_ratings_file_with_a_utf8_bom_is_accepted(pair_set, tmp_path):
    ratings = tmp_path / "r.csv"
    ratings.write_bytes(b"\xef\xbb\xbf" + f"{HEADER}\r\nann,p01,4,0,t\r\n".encode())  # as Excel saves it
    running = Running(pair_set, ratings)
    try:
        status, body = running.post(RATING)
        assert status == 200 and body["ratings"] == {"p02": 7}
        assert running.get("/api/state?rater=ann")[1].count(b'"p01": 4') == 1
    finally:
        running.stop()
    loaded = load_ratings(ratings, pair_set.pair_id)
    assert loaded.raters == ["ann", "bob"] and loaded.matrix[0, 0] == 4 and loaded.matrix[1, 1] == 7
