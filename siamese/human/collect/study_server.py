"""The study server (Flask): serves a study directory and stores each answer in the database before it replies.

Routes: ``GET /`` and the study's own files (``index.html``, ``experiment.js``, ``study.js``, ``images/``,
``jspsych/``; nothing else in the folder is served), ``GET /server.js`` (tells the page to POST here),
``POST /api/start`` (a new participant session: ``{PROLIFIC_PID, STUDY_ID, SESSION_ID, participant_session}``
-> ``{token}``), ``POST /api/answer`` (``{seq, kind, trial_id, response, rt}``, header ``X-Study-Token``) and
``POST /api/finish``. There is no route that reads answers back.

Guarantees (the local rating page's, ``rating_server``, carried over):
- every request's ``Host`` must be one of ``allowed_hosts`` (421 otherwise: a DNS-rebinding page names its own
  host); a POST must be ``application/json`` (415) and, when the browser sends an ``Origin``, come from an allowed
  host (403);
- bodies over ``MAX_BODY`` bytes get a 413; a connection that stalls longer than ``timeout`` seconds is dropped;
  every refusal is a JSON ``{"error": "..."}`` with one line saying why;
- each answer is stored under the participant whose token it carries: a 256-bit random token the server issued to
  that participant's page alone (only its sha256 is stored); an unknown token is refused (403), and a stored
  answer can never be changed (409, even with the right token), so no participant can read, change or overwrite
  another's answers;
- a comment with markup (``<`` or ``>``) or control characters is refused (400) and not stored; nothing a
  participant sends is ever rendered as HTML by the server.
"""

from __future__ import annotations

import math
import secrets
import socket
from pathlib import Path

from flask import Flask, jsonify, request, send_from_directory
from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server

from siamese.human.collect.study_database import AnswerExists, StudyDatabase
from siamese.human.io.study import Study

MAX_BODY = 10_000
MAX_FIELD = 64
MAX_COMMENT = 1000
MAX_RT_MS = 3_600_000
TOKEN_HEADER = "X-Study-Token"
SERVED_FILES = {"index.html", "experiment.js", "study.js"}
SERVED_FOLDERS = {"images", "jspsych"}
SERVER_JS = ('window.STUDY_SERVER = {start: "api/start", answer: "api/answer", finish: "api/finish"};\n')


class Refused(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _text(body: dict, key: str, limit: int = MAX_FIELD) -> str:
    value = body.get(key, "")
    if not isinstance(value, str) or len(value) > limit or any(not ch.isprintable() or ch in "<>" for ch in value):
        raise Refused(400, f"{key} must be at most {limit} printable characters without < or >")
    return value


def check_answer(study: Study, body: dict) -> tuple[int, str, str, str, float | None]:
    """``(seq, kind, trial_id, response text, rt)`` of an answer body, or :class:`Refused` (400) saying why."""
    seq, kind, trial_id, response, rt = (body.get(k) for k in ("seq", "kind", "trial_id", "response", "rt"))
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq < 100_000:
        raise Refused(400, f"seq must be an integer 0-99999, got {seq!r}"[:200])
    if rt is not None and (isinstance(rt, bool) or not isinstance(rt, (int, float)) or not math.isfinite(rt)
                           or not 0 <= rt <= MAX_RT_MS):
        raise Refused(400, f"rt must be a number of ms in [0, {MAX_RT_MS}], got {rt!r}"[:200])
    if kind == "comment":
        if not isinstance(response, str) or len(response) > MAX_COMMENT:
            raise Refused(400, f"a comment is text of at most {MAX_COMMENT} characters")
        if "<" in response or ">" in response:
            raise Refused(400, "markup is not accepted in a comment: remove < and >; the comment was not saved")
        if any(not ch.isprintable() and ch not in "\n\t" for ch in response):
            raise Refused(400, "a comment may not hold control characters; it was not saved")
        return seq, kind, "comment", response, rt
    trial = study.trial(trial_id) if isinstance(trial_id, str) else None
    if trial is None or trial["kind"] == "practice":
        raise Refused(400, f"unknown trial {trial_id!r}"[:200])
    if kind != trial["kind"] and not (kind == "repeat" and trial_id in study.repeats):
        raise Refused(400, f"trial {trial_id!r} is not a {kind!r} trial"[:200])
    if study.task == "rating":
        low, high = study.scale
        if isinstance(response, bool) or not isinstance(response, int) or not low <= response <= high:
            raise Refused(400, f"rating must be an integer {low}-{high}, got {response!r}"[:200])
        return seq, kind, trial_id, str(response), rt
    options = trial["images"][1:] if study.task == "2afc" else trial["images"]
    if response not in options:
        raise Refused(400, f"choice {response!r} is not one of the trial's images {options}"[:200])
    return seq, kind, trial_id, response, rt


def make_app(study: Study, database: StudyDatabase, allowed_hosts: set[str]) -> Flask:
    """The Flask app of ``study`` writing to ``database``; ``allowed_hosts``: the ``Host`` values (``name`` or
    ``name:port``) participants' browsers send."""
    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    folder = Path(study.path).resolve()

    def refuse(status: int, message: str):
        response = jsonify({"error": message})
        response.status_code = status
        return response

    @app.before_request
    def checks():
        if request.host not in allowed_hosts:
            return refuse(421, f"wrong Host header {request.host!r}"[:200])
        if request.method == "POST":
            origin = request.headers.get("Origin")
            if origin is not None and origin.split("://", 1)[-1] not in allowed_hosts:
                return refuse(403, f"requests from {origin} are not accepted"[:200])
            if request.mimetype != "application/json":
                return refuse(415, "send application/json")
        return None

    @app.after_request
    def headers(response):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        message = "request body too large" if error.code == 413 else (error.description or error.name)
        return refuse(error.code or 500, message)

    @app.errorhandler(Refused)
    def refused(error: Refused):
        return refuse(error.status, str(error))

    def body() -> dict:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise Refused(400, "the request must be a JSON object")
        return data

    def participant() -> int:
        token = request.headers.get(TOKEN_HEADER, "")
        found = database.participant(token) if 0 < len(token) <= 100 else None
        if found is None:
            raise Refused(403, "missing or unknown participant token; reload the study page")
        return found

    @app.get("/")
    def index():
        return send_from_directory(folder, "index.html")

    @app.get("/server.js")
    def server_js():
        return app.response_class(SERVER_JS, mimetype="text/javascript")

    @app.get("/<path:name>")
    def files(name: str):
        parts = name.split("/")
        if not (name in SERVED_FILES or (len(parts) == 2 and parts[0] in SERVED_FOLDERS)):
            return refuse(404, "not found")
        return send_from_directory(folder, name)

    @app.post("/api/start")
    def start():
        data = body()
        fields = {"prolific_pid": _text(data, "PROLIFIC_PID"), "study_id": _text(data, "STUDY_ID"),
                  "session_id": _text(data, "SESSION_ID"), "participant_session": _text(data, "participant_session")}
        token = secrets.token_urlsafe(32)
        database.start(token, fields)
        return jsonify({"token": token})

    @app.post("/api/answer")
    def answer():
        who = participant()
        seq, kind, trial_id, response, rt = check_answer(study, body())
        try:
            database.add_answer(who, seq, kind, trial_id, response, rt)
        except AnswerExists as exists:
            if not exists.same:
                raise Refused(409, f"{exists}: seq {seq}, trial {trial_id!r}"[:200]) from None
            return jsonify({"saved": True, "seq": seq, "duplicate": True})
        return jsonify({"saved": True, "seq": seq})

    @app.post("/api/finish")
    def finish():
        database.finish(participant())
        return jsonify({"finished": True})

    return app


class QuietHandler(WSGIRequestHandler):
    """Werkzeug's request handler with a socket timeout (a stalled client is dropped) and no per-request log."""

    timeout = 30.0

    def log_request(self, *args, **kwargs):
        pass


def machine_hosts(host: str, port: int) -> set[str]:
    """The ``Host`` values a browser sends for a server bound to ``host``: 127.0.0.1 and localhost, the bound
    address, and for 0.0.0.0 / :: the machine's name, full name and addresses; each with and without ``:port``."""
    names = {"127.0.0.1", "localhost", host}
    if host in ("0.0.0.0", "::", ""):
        names |= {socket.gethostname(), socket.getfqdn()}
        try:
            names |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
        except OSError:
            pass
    return {f"{name}:{port}" for name in names} | (names - {"127.0.0.1", "localhost"})


def make_study_server(study: Study, database: StudyDatabase, host: str = "127.0.0.1", port: int = 8000,
                      allowed_hosts=(), timeout: float = 30.0):
    """A threaded WSGI server (``serve_forever()`` / ``shutdown()``) of :func:`make_app` bound to ``host:port``
    (0 = a free port). Accepted ``Host`` values: :func:`machine_hosts` plus ``allowed_hosts`` (names a proxy or DNS
    name gives the server, each accepted with and without the port). ``timeout``: seconds a connection may stall."""
    handler = type("StudyRequestHandler", (QuietHandler,), {"timeout": timeout})
    server = make_server(host, port, None, threaded=True, request_handler=handler)
    bound = server.server_address[1]
    server.allowed_hosts = machine_hosts(host, bound) | set(allowed_hosts) | {f"{h}:{bound}" for h in allowed_hosts}
    server.app = make_app(study, database, server.allowed_hosts)
    return server
