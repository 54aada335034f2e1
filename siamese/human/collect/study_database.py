"""The study server's database (SQLAlchemy Core): SQLite by default, PostgreSQL by URL, the same two tables.

``participants``: one row per started session: ``id``, ``token_hash`` (sha256 of the participant's token; the token
itself is never stored), ``prolific_pid``, ``study_id``, ``session_id``, ``participant_session`` (the page's random
id), ``started`` / ``finished`` (Unix seconds).
``answers``: one row per answer: ``participant_id``, ``seq`` (the page's answer counter), ``kind`` (main, catch,
repeat, comment), ``trial_id``, ``response`` (the rating as text, the chosen image id, or the comment), ``rt``
(ms), ``received`` (Unix seconds). Unique ``(participant_id, seq)`` and ``(participant_id, kind, trial_id)``: an
answer is written once and never changed; a retried POST of the same answer is recognized (``AnswerExists``).

Each write is its own transaction, committed before the server replies. SQLite runs in WAL mode with
``synchronous=FULL``, so a committed answer survives a killed server (and a power cut).
"""

from __future__ import annotations

import hashlib
import time

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

METADATA = sa.MetaData()
PARTICIPANTS = sa.Table(
    "participants", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prolific_pid", sa.String(64), nullable=False),
    sa.Column("study_id", sa.String(64), nullable=False),
    sa.Column("session_id", sa.String(64), nullable=False),
    sa.Column("participant_session", sa.String(64), nullable=False),
    sa.Column("started", sa.Float, nullable=False),
    sa.Column("finished", sa.Float, nullable=True),
)
ANSWERS = sa.Table(
    "answers", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("participant_id", sa.Integer, sa.ForeignKey("participants.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("trial_id", sa.String(128), nullable=False),
    sa.Column("response", sa.String(1000), nullable=False),
    sa.Column("rt", sa.Float, nullable=True),
    sa.Column("received", sa.Float, nullable=False),
    sa.UniqueConstraint("participant_id", "seq", name="one_answer_per_seq"),
    sa.UniqueConstraint("participant_id", "kind", "trial_id", name="one_answer_per_trial"),
)
PARTICIPANT_FIELDS = ("prolific_pid", "study_id", "session_id", "participant_session")


class AnswerExists(Exception):
    """The participant already has an answer with this ``seq`` or for this trial; ``same`` says whether it is the
    very answer now sent (a retry after a lost reply) or a different one (a change, refused)."""

    def __init__(self, same: bool):
        super().__init__("already saved" if same else "this answer was already given and cannot be changed")
        self.same = same


def engine_url(url: str) -> str:
    """``url`` with the psycopg (3) driver named for a bare ``postgresql://`` URL."""
    return "postgresql+psycopg://" + url.removeprefix("postgresql://") if url.startswith("postgresql://") else url


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class StudyDatabase:
    """The two tables behind ``url`` (``sqlite:///path`` or ``postgresql://user@host/db``), created if missing."""

    def __init__(self, url: str):
        if not url.startswith(("sqlite:///", "postgresql://", "postgresql+")):
            raise ValueError(f"database URL must start with sqlite:/// or postgresql://, got {url!r}")
        self.url = url
        self.engine = sa.create_engine(engine_url(url), pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        METADATA.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def start(self, token: str, fields: dict[str, str]) -> int:
        """A new participant session holding ``token``; its id."""
        with self.engine.begin() as conn:
            values = {k: fields.get(k, "") for k in PARTICIPANT_FIELDS}
            result = conn.execute(PARTICIPANTS.insert().values(token_hash=token_hash(token), started=time.time(),
                                                               **values))
            return int(result.inserted_primary_key[0])

    def participant(self, token: str) -> int | None:
        """The id of the session holding ``token``, or None."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(PARTICIPANTS.c.id).where(
                PARTICIPANTS.c.token_hash == token_hash(token))).scalar()

    def add_answer(self, participant_id: int, seq: int, kind: str, trial_id: str, response: str, rt) -> None:
        """Insert and commit one answer; :class:`AnswerExists` when its seq or trial is taken."""
        row = {"participant_id": participant_id, "seq": seq, "kind": kind, "trial_id": trial_id,
               "response": response, "rt": rt}
        try:
            with self.engine.begin() as conn:
                conn.execute(ANSWERS.insert().values(received=time.time(), **row))
        except IntegrityError:
            with self.engine.connect() as conn:
                old = conn.execute(sa.select(ANSWERS).where(
                    ANSWERS.c.participant_id == participant_id,
                    sa.or_(ANSWERS.c.seq == seq, sa.and_(ANSWERS.c.kind == kind, ANSWERS.c.trial_id == trial_id))
                )).mappings().first()
            if old is None:
                raise
            raise AnswerExists(all(old[k] == row[k] for k in row if k != "rt")) from None

    def finish(self, participant_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(PARTICIPANTS.update().where(PARTICIPANTS.c.id == participant_id).values(finished=time.time()))

    def rows(self) -> list[dict]:
        """Every answer joined with its participant, in (participant, seq) order."""
        query = (sa.select(ANSWERS, *(PARTICIPANTS.c[k] for k in PARTICIPANT_FIELDS), PARTICIPANTS.c.finished)
                 .join(PARTICIPANTS, ANSWERS.c.participant_id == PARTICIPANTS.c.id)
                 .order_by(ANSWERS.c.participant_id, ANSWERS.c.seq))
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def participants(self) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(PARTICIPANTS).order_by(PARTICIPANTS.c.id)).mappings()]


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
