"""What both pages of the rating server share (ratings: ``rating_server``; 2AFC choices: ``two_afc``): the rater
name check and ``PageHandler``, the request handler with the socket timeout, the Host/Origin/JSON/token checks
(see ``rating_server``'s docstring for why each exists), the JSON body reader and the GET/POST routing."""

from __future__ import annotations

import json
import secrets
import sys
import unicodedata
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

MAX_NAME = 64
FORMULA_STARTS = ("=", "+", "-", "@")  # a spreadsheet runs a cell starting so as a formula (tab/CR: not printable)
TOKEN_HEADER = "X-Rating-Token"
MAX_BODY = 10_000


def check_rater(name) -> str:
    """The rater's name as stored: every run of white space (tabs, no-break spaces) becomes one space, the ends
    trimmed; any printable character is allowed (a comma too: the CSV quotes it). Refused, with the reason: an
    empty name, more than ``MAX_NAME`` characters, an invisible character (named by its code point), or a
    formula start."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError("enter your name")
    name = " ".join(name.split())
    if len(name) > MAX_NAME:
        raise ValueError(f"a name is at most {MAX_NAME} characters; this one has {len(name)}")
    hidden = next((ch for ch in name if not ch.isprintable()), None)
    if hidden is not None:
        label = unicodedata.name(hidden, "a control character").lower()
        raise ValueError(f"a name may not contain the invisible character U+{ord(hidden):04X} ({label}); "
                         "type it again without it")
    if name.startswith(FORMULA_STARTS):
        raise ValueError("a name may not start with =, +, - or @ (a spreadsheet would run it as a formula)")
    return name


class PageHandler(BaseHTTPRequestHandler):
    """What every page of the rating server shares: the socket timeout, the Host/Origin/JSON/token checks of
    the module docstring and reading a JSON request body. ``rating_server.make_handler`` (ratings) and
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
