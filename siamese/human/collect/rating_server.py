"""The rating page: a local web server (127.0.0.1 only) where people rate the similarity of image pairs.

Each rater enters a name and sees the pairs one at a time in their own random order (seeded by the name, so the
order is the same when they come back), rates 1-10 with buttons or the keys 1-9 and 0 (= 10), sees their
progress, and can go back to change a rating. Every rating is appended to the ratings CSV and flushed (fsync)
before the server answers, so nothing is lost if the server dies; reopening the page resumes at the first pair
the rater has not rated. A changed rating is a new row with the next ``revision`` (the loader keeps the latest).
The server answers only: ``/`` (the page), ``/api/state``, ``/api/rate``, ``/image/<pair_id>/<a|b>.png``.

Safety:
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
import os
import secrets
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import numpy as np

from siamese.human.collect.page_handler import PageHandler, check_rater
from siamese.human.io.common import FormatError, latest_answers, read_csv
from siamese.human.io.pair_set import PairSet
from siamese.human.io.ratings import RATING_OF, load_ratings
from siamese.utils.parameters import ParameterError

RATING_COLUMNS = ["rater", "pair_id", "rating", "revision", "time", "pair_set"]  # pair_set: PairSet.fingerprint
SCALE = (1, 10)
QUESTION = "How similar do these two images look to you?"


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
                                 "use a different ratings file") from None
        try:
            self._load()
        except BaseException:
            self.close()
            raise
        self.identity = self._identity_of_fd()

    def _load(self) -> None:
        self.columns = RATING_COLUMNS
        if os.fstat(self.fd).st_size == 0:
            self._write(",".join(RATING_COLUMNS) + "\n")
            return
        load_ratings(self.path, self.pairs, SCALE)  # full validation: fails loudly on a malformed file
        rows = read_csv(self.path, ("rater", "pair_id", "rating"))
        for key, (_, row) in latest_answers(self.path, rows, ("rater", "pair_id"), RATING_OF).items():
            self.latest[key] = (int(row.get("revision") or 0), int(float(row["rating"])))
        with open(self.path, newline="", encoding="utf-8-sig") as f:  # a spreadsheet may have added a BOM
            header = [name.strip() for name in next(csv.reader(f))]
        self.columns = header  # a file begun before the pair_set column keeps its columns
        if header not in (RATING_COLUMNS, RATING_COLUMNS[:-1]):
            raise FormatError(self.path, f"the rating page appends columns {RATING_COLUMNS}, but the file's "
                                         f"header is {header}; use a new ratings file", row=1)

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
            row = [rater, pair_id, rating, revision, time.strftime("%Y-%m-%dT%H:%M:%S"), self.pairs.fingerprint]
            self._append([row[:len(self.columns)]])
            self.latest[(rater, pair_id)] = (revision, rating)


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
            if isinstance(address[1], bool) or not isinstance(address[1], int) or not 0 <= address[1] <= 65535:
                raise ParameterError("port", address[1], "must be an integer 0-65535 (0 = any free port)")
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
