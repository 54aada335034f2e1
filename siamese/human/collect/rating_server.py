"""The rating page: a local web server (127.0.0.1 only) where people rate the similarity of image pairs.

Each rater enters a name and sees the pairs one at a time in their own random order (seeded by the name, so the
order is the same when they come back), rates 1-10 with buttons or the keys 1-9 and 0 (= 10), sees their
progress, and can go back to change a rating. Every rating is appended to the ratings CSV and flushed (fsync)
before the server answers, so nothing is lost if the server dies; reopening the page resumes at the first pair
the rater has not rated. A changed rating is a new row with the next ``revision`` (the loader keeps the latest).
The server answers only: ``/`` (the page), ``/api/state``, ``/api/rate``, ``/image/<pair_id>/<a|b>.png``.

Safety (issue 15):
- the ratings file is held open with an exclusive ``flock`` for the server's lifetime: a second server on the same
  file refuses to start; before every append the server checks that the path still names the file it holds
  (same device and inode) and that the file ends in a newline (a missing final newline is added first, so a
  new row never glues onto the last one); a moved or replaced file makes the POST fail (503, not saved);
- only requests whose ``Host`` is the server's own address (127.0.0.1 or localhost, its port) are answered, a
  POST must be ``Content-Type: application/json``, come from the page's own ``Origin`` (when the browser sends
  one) and carry the per-server random token the page received (``X-Rating-Token``), so another web page open
  in the rater's browser cannot post ratings (DNS rebinding included);
- every connection has a socket timeout; malformed JSON, wrong types and deeply nested JSON get a 400;
- rater names starting with ``=``, ``+``, ``-``, ``@`` (or a tab/CR), which a spreadsheet would run as a formula,
  are REJECTED (400 with the reason), never stored altered.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
import secrets
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import numpy as np

from siamese.human.io.common import FormatError, read_csv
from siamese.human.io.pair_set import PairSet
from siamese.human.io.ratings import load_ratings

RATING_COLUMNS = ["rater", "pair_id", "rating", "revision", "time"]
SCALE = (1, 10)
QUESTION = "How similar do these two images look to you?"
MAX_NAME = 64
FORMULA_STARTS = ("=", "+", "-", "@")  # a spreadsheet runs a cell starting so as a formula (tab/CR: not printable)
TOKEN_HEADER = "X-Rating-Token"
MAX_BODY = 10_000


class RatingFileBusy(OSError):
    """Another rating server (or any process holding the lock) has the ratings file open."""


class RatingFileMoved(OSError):
    """The ratings file was moved, deleted or replaced while the server ran."""


def rater_order(pair_ids: list[str], rater: str) -> list[str]:
    """The rater's own random order of the pairs, seeded by a hash of the name (stable across restarts)."""
    seed = int.from_bytes(hashlib.sha256(rater.encode("utf-8")).digest()[:8], "little")
    return [pair_ids[i] for i in np.random.default_rng(seed).permutation(len(pair_ids))]


def pair_png(image_a_or_b: np.ndarray) -> bytes:
    """One image of a pair as a PNG at its display size (``siamese.human.io.display``): a 28x28 digit enlarged 8
    times without blur, dark on white; RGB as it is; large images scaled down to a 320-pixel longer side."""
    from siamese.human.io.display import display_image

    image = display_image(image_a_or_b)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class RatingStore:
    """The ratings CSV: loads what is there (validated), then holds the file open with an exclusive lock and
    appends + flushes + fsyncs each new rating (see the module docstring for the checks before each append)."""

    def __init__(self, path: str | Path, pairs: PairSet):
        self.path, self.pairs = Path(path), pairs
        self.lock = threading.Lock()
        self.latest: dict[tuple[str, str], tuple[int, int]] = {}  # (rater, pair) -> (revision, rating)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise RatingFileBusy(f"{self.path}: another rating server has this ratings file open; stop it or "
                                 "use a different --ratings file") from None
        try:
            self._load()
        except BaseException:
            self.close()
            raise
        self.identity = self._identity_of_fd()

    def _load(self) -> None:
        if os.fstat(self.fd).st_size == 0:
            self._write(",".join(RATING_COLUMNS) + "\n")
            return
        load_ratings(self.path, self.pairs.pair_id, SCALE)  # full validation: fails loudly on a malformed file
        for _line, row in read_csv(self.path, ("rater", "pair_id", "rating")):
            revision = int(row.get("revision") or 0)
            key = (row["rater"], row["pair_id"])
            if key not in self.latest or revision >= self.latest[key][0]:
                self.latest[key] = (revision, int(float(row["rating"])))
        with open(self.path, newline="", encoding="utf-8-sig") as f:  # a spreadsheet may have added a BOM
            header = [name.strip() for name in next(csv.reader(f))]
        if header != RATING_COLUMNS:
            raise FormatError(self.path, f"the rating page appends columns {RATING_COLUMNS}, but the file's "
                                         f"header is {header}; use a new --ratings file", row=1)

    def _identity_of_fd(self) -> tuple[int, int]:
        info = os.fstat(self.fd)
        return info.st_dev, info.st_ino

    def _check_still_there(self) -> None:
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            info = None
        if info is None or (info.st_dev, info.st_ino) != self.identity:
            raise RatingFileMoved(f"{self.path} was moved, deleted or replaced while the server ran; the rating "
                                  "was NOT saved. Restart the server with the ratings file in place.")

    def _write(self, text: str) -> None:
        """Append ``text``, after a newline if the file does not end in one, then flush to disk."""
        size = os.fstat(self.fd).st_size
        if size and os.pread(self.fd, 1, size - 1) != b"\n":
            text = "\n" + text
        os.write(self.fd, text.encode("utf-8"))
        os.fsync(self.fd)

    def _append(self, rows: list[list]) -> None:
        self._check_still_there()
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        self._write(buffer.getvalue())

    def close(self) -> None:
        """Release the lock and the file (the server's ``server_close`` calls this)."""
        if self.fd is not None:
            os.close(self.fd)  # closing the last descriptor releases the flock
            self.fd = None

    def ratings_of(self, rater: str) -> dict[str, int]:
        return {pair: rating for (who, pair), (_, rating) in self.latest.items() if who == rater}

    def add(self, rater: str, pair_id: str, rating: int) -> None:
        with self.lock:
            previous = self.latest.get((rater, pair_id))
            revision = 0 if previous is None else previous[0] + 1
            self._append([[rater, pair_id, rating, revision, time.strftime("%Y-%m-%dT%H:%M:%S")]])
            self.latest[(rater, pair_id)] = (revision, rating)


def check_rater(name) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError("enter your name")
    name = name.strip()
    if len(name) > MAX_NAME or any(not ch.isprintable() for ch in name):
        raise ValueError(f"a name is at most {MAX_NAME} printable characters")
    if name.startswith(FORMULA_STARTS):
        raise ValueError("a name may not start with =, +, - or @ (a spreadsheet would run it as a formula)")
    return name


class PageHandler(BaseHTTPRequestHandler):
    """What every page of the rating server shares: the socket timeout, the Host/Origin/JSON/token checks of
    the module docstring and reading a JSON request body. ``make_handler`` (ratings) and
    ``siamese.human.collect.two_afc.make_two_afc_handler`` (2AFC choices) subclass it with their routes;
    ``token`` and ``timeout`` are set on the subclass."""

    server_version = "siamese-rate"
    token: str = ""
    timeout: float = 30.0  # StreamRequestHandler sets it on the socket: a stalled client is dropped

    def log_message(self, format, *args):  # noqa: A002 - keep the console for the URL and errors
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: dict) -> None:
        self._send(status, json.dumps(payload).encode("utf-8"), "application/json")

    def _not_found(self) -> None:
        self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain; charset=utf-8")

    def _own_addresses(self) -> set[str]:
        port = self.server.server_address[1]
        return {f"127.0.0.1:{port}", f"localhost:{port}"}

    def _host_ok(self) -> bool:
        """The Host header names this server (a DNS-rebinding page names its own host)."""
        return self.headers.get("Host", "") in self._own_addresses()

    def _refusal(self) -> tuple[int, str] | None:
        """Why this POST is not from the rating page, or None."""
        if not self._host_ok():
            return HTTPStatus.MISDIRECTED_REQUEST, "wrong Host header"
        origin = self.headers.get("Origin")
        if origin is not None and origin.removeprefix("http://") not in self._own_addresses():
            return HTTPStatus.FORBIDDEN, f"requests from {origin} are not accepted"
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            return HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send application/json"
        if not secrets.compare_digest(self.headers.get(TOKEN_HEADER, ""), self.token):
            return HTTPStatus.FORBIDDEN, "missing or wrong rating token; reload the rating page"
        return None

    def _read_json_object(self) -> dict:
        """The request body as a JSON object (``ValueError``/``TypeError``/``TimeoutError``/``RecursionError``)."""
        length = int(self.headers.get("Content-Length", "0"))
        if not 0 < length <= MAX_BODY:
            raise ValueError("bad request size")
        raw = self.rfile.read(length)
        if len(raw) < length:
            raise ValueError("incomplete request body")
        body = json.loads(raw)
        if not isinstance(body, dict):
            raise TypeError("the request must be a JSON object")
        return body

    # a page's routes, set by ``for_page``: GET / (the page), /api/state?rater=R, /image/...; POST ``post_path``
    page: bytes = b""
    post_path: str = ""

    @staticmethod
    def state(rater: str) -> dict:
        raise NotImplementedError

    @staticmethod
    def image(parts: list[str]) -> bytes | None:
        raise NotImplementedError

    @staticmethod
    def parse(body: dict) -> tuple:
        raise NotImplementedError

    @staticmethod
    def save(*args) -> dict:
        raise NotImplementedError

    @classmethod
    def for_page(cls, page: bytes, post_path: str, state, image, parse, save, token: str, timeout: float):
        """A handler class serving ``page``: ``state(rater) -> dict`` answers /api/state, ``image(path parts) ->
        PNG bytes or None`` the image URLs, ``parse``/``save`` the POSTs to ``post_path`` (``_post_json``)."""
        return type(f"{cls.__name__}For{post_path.rsplit('/', 1)[-1].title()}", (cls,), {
            "page": page, "post_path": post_path, "token": token, "timeout": timeout,
            "state": staticmethod(state), "image": staticmethod(image), "parse": staticmethod(parse),
            "save": staticmethod(save)})

    def do_GET(self):  # noqa: N802 - the http.server API
        if not self._host_ok():
            return self._json(HTTPStatus.MISDIRECTED_REQUEST, {"error": "wrong Host header"})
        url = urlparse(self.path)
        if url.path == "/":
            return self._send(HTTPStatus.OK, self.page, "text/html; charset=utf-8")
        if url.path == "/api/state":
            try:
                rater = check_rater(parse_qs(url.query).get("rater", [""])[0])
            except ValueError as error:
                return self._json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
            return self._json(HTTPStatus.OK, self.state(rater))
        png = self.image(url.path.split("/"))
        if png is not None:
            return self._send(HTTPStatus.OK, png, "image/png")
        return self._not_found()

    def do_POST(self):  # noqa: N802
        if urlparse(self.path).path != self.post_path:
            return self._not_found()
        return self._post_json(self.parse, self.save)

    def _post_json(self, parse, save) -> None:
        """Checks, body, ``parse(body) -> args`` (raising ValueError/TypeError for a 400), ``save(*args) ->
        payload`` (an ``OSError`` is a 503: never claim a failed append was saved)."""
        refusal = self._refusal()
        if refusal:
            self.close_connection = True  # the body is left unread
            return self._json(refusal[0], {"error": refusal[1]})
        try:
            args = parse(self._read_json_object())
        except TimeoutError:
            self.close_connection = True
            return self._json(HTTPStatus.REQUEST_TIMEOUT, {"error": "request body not received in time"})
        except RecursionError:
            return self._json(HTTPStatus.BAD_REQUEST, {"error": "JSON nested too deeply"})
        except (ValueError, TypeError) as error:  # JSONDecodeError, UnicodeDecodeError: ValueErrors
            return self._json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
        try:
            payload = save(*args)
        except OSError as error:  # moved file, full disk: say so, never claim it was saved
            print(f"error: {error}", file=sys.stderr, flush=True)
            return self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"saved": False, "error": str(error)})
        return self._json(HTTPStatus.OK, {"saved": True, **payload})


def render_page(token: str, mode: str = "rate", question: str = QUESTION) -> bytes:
    """The rating page with its token and mode (``rate``: 1-10 ratings of pairs; ``2afc``: triplet choices)."""
    return (Path(__file__).with_name("rating_page.html").read_text(encoding="utf-8")
            .replace("{{QUESTION}}", question).replace("{{TOKEN}}", token).replace("{{MODE}}", mode)
            .encode("utf-8"))


def make_handler(pairs: PairSet, store: RatingStore, token: str, timeout: float):
    index = {pair: k for k, pair in enumerate(pairs.pair_id)}
    page = render_page(token)

    def parse(body: dict) -> tuple[str, str, int]:
        rater = check_rater(body.get("rater"))
        pair, rating = body.get("pair_id"), body.get("rating")
        if not isinstance(pair, str) or pair not in index:
            raise ValueError(f"unknown pair {pair!r}"[:200])
        if isinstance(rating, bool) or not isinstance(rating, int) or not SCALE[0] <= rating <= SCALE[1]:
            raise ValueError(f"rating must be an integer {SCALE[0]}-{SCALE[1]}, got {rating!r}"[:200])
        return rater, pair, rating

    def save(rater: str, pair: str, rating: int) -> dict:
        store.add(rater, pair, rating)
        return {"ratings": store.ratings_of(rater)}

    def image(parts: list[str]) -> bytes | None:
        if len(parts) == 4 and parts[1] == "image" and parts[3] in ("a.png", "b.png"):
            pair = unquote(parts[2])
            if pair in index:
                return pair_png((pairs.images_a if parts[3] == "a.png" else pairs.images_b)[index[pair]])
        return None

    def state(rater: str) -> dict:
        return {"rater": rater, "order": rater_order(pairs.pair_id, rater), "ratings": store.ratings_of(rater),
                "scale": list(SCALE)}

    return PageHandler.for_page(page, "/api/rate", state, image, parse, save, token, timeout)


class RatingServer(ThreadingHTTPServer):
    """The HTTP server plus its :class:`RatingStore` (lock released on ``server_close``) and page ``token``."""

    daemon_threads = True

    def __init__(self, address, handler, store: RatingStore, token: str):
        self.store, self.token = store, token
        try:
            super().__init__(address, handler)
        except BaseException:
            store.close()
            raise

    def server_close(self) -> None:
        super().server_close()
        self.store.close()


def make_server(pairs: PairSet, ratings_path: str | Path, port: int = 8000, timeout: float = 30.0) -> RatingServer:
    """The server bound to 127.0.0.1:``port`` (0 = any free port); call ``serve_forever()`` on it.

    ``timeout``: seconds a connection may stall (headers or body) before it is dropped."""
    store = RatingStore(ratings_path, pairs)
    token = secrets.token_urlsafe(24)
    return RatingServer(("127.0.0.1", port), make_handler(pairs, store, token, timeout), store, token)
