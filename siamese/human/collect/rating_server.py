"""The rating page: a local web server (127.0.0.1 only) where people rate the similarity of image pairs.

Each rater enters a name and sees the pairs one at a time in their own random order (seeded by the name, so the
order is the same when they come back), rates 1-10 with buttons or the keys 1-9 and 0 (= 10), sees their
progress, and can go back to change a rating. Every rating is appended to the ratings CSV and flushed (fsync)
before the server answers, so nothing is lost if the server dies; reopening the page resumes at the first pair
the rater has not rated. A changed rating is a new row with the next ``revision`` (the loader keeps the latest).
The server answers only: ``/`` (the page), ``/api/state``, ``/api/rate``, ``/image/<pair_id>/<a|b>.png``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
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


def rater_order(pair_ids: list[str], rater: str) -> list[str]:
    """The rater's own random order of the pairs, seeded by a hash of the name (stable across restarts)."""
    seed = int.from_bytes(hashlib.sha256(rater.encode("utf-8")).digest()[:8], "little")
    return [pair_ids[i] for i in np.random.default_rng(seed).permutation(len(pair_ids))]


def pair_png(image_a_or_b: np.ndarray, scale: int = 8) -> bytes:
    """A 28x28 uint8 image as a PNG, enlarged ``scale`` times (nearest neighbour), dark digit on white."""
    from PIL import Image

    image = Image.fromarray(255 - np.asarray(image_a_or_b, dtype=np.uint8))  # 2-D uint8: grayscale
    image = image.resize((28 * scale, 28 * scale), Image.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


class RatingStore:
    """The ratings CSV: loads what is there (validated), appends + flushes + fsyncs each new rating."""

    def __init__(self, path: str | Path, pairs: PairSet):
        self.path, self.pairs = Path(path), pairs
        self.lock = threading.Lock()
        self.latest: dict[tuple[str, str], tuple[int, int]] = {}  # (rater, pair) -> (revision, rating)
        if self.path.exists() and self.path.stat().st_size > 0:
            load_ratings(self.path, pairs.pair_id, SCALE)  # full validation: fails loudly on a malformed file
            for _line, row in read_csv(self.path, ("rater", "pair_id", "rating")):
                revision = int(row.get("revision") or 0)
                key = (row["rater"], row["pair_id"])
                if key not in self.latest or revision >= self.latest[key][0]:
                    self.latest[key] = (revision, int(float(row["rating"])))
            with open(self.path, newline="", encoding="utf-8") as f:
                header = next(csv.reader(f))
            if header != RATING_COLUMNS:
                raise FormatError(self.path, f"the rating page appends columns {RATING_COLUMNS}, but the file's "
                                             f"header is {header}; use a new --ratings file", row=1)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._append([RATING_COLUMNS])

    def _append(self, rows: list[list]) -> None:
        with open(self.path, "a", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
            f.flush()
            os.fsync(f.fileno())

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
    return name


def make_handler(pairs: PairSet, store: RatingStore):
    index = {pair: k for k, pair in enumerate(pairs.pair_id)}
    page = (Path(__file__).with_name("rating_page.html").read_text(encoding="utf-8")
            .replace("{{QUESTION}}", QUESTION))

    class Handler(BaseHTTPRequestHandler):
        server_version = "siamese-rate"

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

        def do_GET(self):  # noqa: N802 - the http.server API
            url = urlparse(self.path)
            if url.path == "/":
                return self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8")
            if url.path == "/api/state":
                try:
                    rater = check_rater(parse_qs(url.query).get("rater", [""])[0])
                except ValueError as error:
                    return self._json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
                return self._json(HTTPStatus.OK, {"rater": rater, "order": rater_order(pairs.pair_id, rater),
                                                   "ratings": store.ratings_of(rater), "scale": list(SCALE)})
            parts = url.path.split("/")
            if len(parts) == 4 and parts[1] == "image" and parts[3] in ("a.png", "b.png"):
                pair = unquote(parts[2])
                if pair in index:
                    images = pairs.images_a if parts[3] == "a.png" else pairs.images_b
                    return self._send(HTTPStatus.OK, pair_png(images[index[pair]]), "image/png")
            return self._not_found()

        def do_POST(self):  # noqa: N802
            if urlparse(self.path).path != "/api/rate":
                return self._not_found()
            try:
                length = int(self.headers.get("Content-Length", "0"))
                if not 0 < length <= 10_000:
                    raise ValueError("bad request size")
                body = json.loads(self.rfile.read(length))
                rater = check_rater(body.get("rater"))
                pair, rating = body.get("pair_id"), body.get("rating")
                if pair not in index:
                    raise ValueError(f"unknown pair {pair!r}")
                if isinstance(rating, bool) or not isinstance(rating, int) or not SCALE[0] <= rating <= SCALE[1]:
                    raise ValueError(f"rating must be an integer {SCALE[0]}-{SCALE[1]}, got {rating!r}")
            except (ValueError, json.JSONDecodeError, AttributeError) as error:
                return self._json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
            store.add(rater, pair, rating)
            return self._json(HTTPStatus.OK, {"saved": True, "ratings": store.ratings_of(rater)})

    return Handler


def make_server(pairs: PairSet, ratings_path: str | Path, port: int = 8000) -> ThreadingHTTPServer:
    """The server bound to 127.0.0.1:``port`` (0 = any free port); call ``serve_forever()`` on it."""
    store = RatingStore(ratings_path, pairs)
    return ThreadingHTTPServer(("127.0.0.1", port), make_handler(pairs, store))
