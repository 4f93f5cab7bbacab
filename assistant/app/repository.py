"""App database: the question/answer log, user feedback and evaluator ratings (SQLAlchemy 2 Core).

One small repository object per process, built at the entry point from ``settings.db_url`` and
passed in. Every write runs in its own transaction (``engine.begin()``). Times are stored in UTC.
A rating is append-only: the newest rating of an answer is its current rating. Each answer records
its channel: ``chat`` (the web app) or ``api`` (the HTTP API, whose requests carry their own history,
kept with the record). Columns added since a database was created are added when it is opened.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import CursorResult, Engine, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError

from assistant.core.errors import PolicyAssistantError

THUMBS = ("up", "down")
RATINGS = ("correct", "partial", "wrong", "citation-wrong")
CHANNELS = ("chat", "api")
log = logging.getLogger(__name__)

metadata = MetaData()

qa_log = Table(
    "qa_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime, nullable=False, index=True),
    Column("session_id", String(64), nullable=False, index=True),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("refused", Boolean, nullable=False),
    Column("citations_json", Text, nullable=False, default="[]"),
    Column("settings_json", Text, nullable=False, default="{}"),
    Column("channel", String(8), nullable=False, default="chat", server_default="chat"),
)
# columns added after the first release: (table, column, DDL type and default), added by `_upgrade`
ADDED_COLUMNS = (("qa_log", "channel", "VARCHAR(8) NOT NULL DEFAULT 'chat'"),)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("qa_id", Integer, ForeignKey("qa_log.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("thumb", String(8), nullable=False),
    Column("comment", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
)

ratings = Table(
    "ratings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("qa_id", Integer, ForeignKey("qa_log.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("rating", String(16), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
)


class RecordNotFound(PolicyAssistantError):
    """A question/answer record id that does not exist (or was purged)."""


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _new_id(result: CursorResult) -> int:
    """The primary key of the row an INSERT just added."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no primary key for the new row")
    return int(key[0])


def _write_ahead(connection, _record) -> None:
    """SQLite in WAL mode with synchronous=NORMAL: a commit appends to the log without waiting for the disk
    (fsync at checkpoints), so an answer is logged in well under a millisecond instead of 5-25 ms, and readers
    never wait for the writer. Every transaction stays atomic; a committed one survives a crash of the app, and
    only a power failure can take back the last ones."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Repository:
    """Thread-safe (the engine pools connections); close() disposes of the engine."""

    def __init__(self, url: str):
        parsed = make_url(url)
        connect_args: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            connect_args = {"check_same_thread": False, "timeout": 30}
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, connect_args=connect_args, future=True)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            event.listen(self.engine, "connect", _write_ahead)
        metadata.create_all(self.engine)
        _upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # ---- writes -----------------------------------------------------------------------------

    def log_answer(
        self,
        session_id: str,
        question: str,
        answer: str,
        refused: bool,
        citations: list[dict] | None = None,
        settings: dict | None = None,
        channel: str = "chat",
    ) -> int:
        """`settings` are the options the answer was given under; an API answer's may hold the
        conversation it continues as `history` (a list of {"role", "content"})."""
        if channel not in CHANNELS:
            raise ValueError(f"channel must be one of {CHANNELS}, not {channel!r}")
        row = {
            "created_at": utcnow(),
            "session_id": session_id,
            "question": question,
            "answer": answer,
            "refused": bool(refused),
            "citations_json": json.dumps(citations or [], ensure_ascii=False),
            "settings_json": json.dumps(settings or {}, ensure_ascii=False),
            "channel": channel,
        }
        with self.engine.begin() as conn:
            return _new_id(conn.execute(insert(qa_log).values(**row)))

    def add_feedback(self, qa_id: int, thumb: str, comment: str = "") -> int:
        if thumb not in THUMBS:
            raise ValueError(f"thumb must be one of {THUMBS}, not {thumb!r}")
        with self.engine.begin() as conn:
            self._require(conn, qa_id)
            result = conn.execute(
                insert(feedback).values(qa_id=qa_id, thumb=thumb, comment=(comment or "").strip(), created_at=utcnow())
            )
            return _new_id(result)

    def rate(self, qa_id: int, rating: str, note: str = "") -> int:
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
        with self.engine.begin() as conn:
            self._require(conn, qa_id)
            result = conn.execute(
                insert(ratings).values(qa_id=qa_id, rating=rating, note=(note or "").strip(), created_at=utcnow())
            )
            return _new_id(result)

    def purge_older_than(self, days: int, now: datetime | None = None) -> int:
        """Delete answers logged more than `days` ago with their feedback and ratings; returns the count."""
        if days < 0:
            raise ValueError("days must not be negative")
        cutoff = (now or utcnow()) - timedelta(days=days)
        old = select(qa_log.c.id).where(qa_log.c.created_at < cutoff)
        with self.engine.begin() as conn:
            conn.execute(delete(feedback).where(feedback.c.qa_id.in_(old)))
            conn.execute(delete(ratings).where(ratings.c.qa_id.in_(old)))
            return conn.execute(delete(qa_log).where(qa_log.c.created_at < cutoff)).rowcount or 0

    # ---- reads ------------------------------------------------------------------------------

    def get(self, qa_id: int) -> dict:
        with self.engine.connect() as conn:
            rows = self._select(conn, [qa_log.c.id == qa_id])
        if not rows:
            raise RecordNotFound(f"没有编号为 {qa_id} 的问答记录")
        return rows[0]

    def list_answers(self, unrated_only: bool = False, limit: int | None = None) -> list[dict]:
        """Newest first, each with its current rating (or None)."""
        with self.engine.connect() as conn:
            return self._select(conn, [ratings.c.id.is_(None)] if unrated_only else [], newest_first=True, limit=limit)

    def rated(self) -> list[dict]:
        """Rated answers, oldest first, each with its current rating, note and session history."""
        with self.engine.connect() as conn:
            rows = [r for r in self._select(conn, []) if r["rating"] is not None]
            for row in rows:
                row["history"] = self._history(conn, row)
        return rows

    def feedback_for(self, qa_id: int) -> list[dict]:
        with self.engine.connect() as conn:
            result = conn.execute(select(feedback).where(feedback.c.qa_id == qa_id).order_by(feedback.c.id))
            return [dict(r._mapping) for r in result]

    def history(self, qa_id: int) -> list[dict]:
        """The earlier turns of the same chat session, as {"role", "content"} messages."""
        with self.engine.connect() as conn:
            return self._history(conn, self.get(qa_id))

    def accuracy(self) -> dict:
        """Counts of current ratings, and the share rated correct among rated answers."""
        counts = {r: 0 for r in RATINGS}
        with self.engine.connect() as conn:
            for row in self._select(conn, []):
                if row["rating"] is not None:
                    counts[row["rating"]] += 1
            total = conn.execute(select(func.count()).select_from(qa_log)).scalar_one()
        rated = sum(counts.values())
        return {
            "total": total,
            "rated": rated,
            "counts": counts,
            "accuracy": counts["correct"] / rated if rated else None,
            "lenient_accuracy": (counts["correct"] + 0.5 * counts["partial"]) / rated if rated else None,
        }

    # ---- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _require(conn, qa_id: int) -> None:
        if conn.execute(select(qa_log.c.id).where(qa_log.c.id == qa_id)).first() is None:
            raise RecordNotFound(f"没有编号为 {qa_id} 的问答记录")

    @staticmethod
    def _select(conn, where: Iterable, newest_first: bool = False, limit: int | None = None) -> list[dict]:
        latest = select(ratings.c.qa_id, func.max(ratings.c.id).label("rid")).group_by(ratings.c.qa_id).subquery()
        query = (
            select(qa_log, ratings.c.rating, ratings.c.note, ratings.c.created_at.label("rated_at"))
            .select_from(
                qa_log.outerjoin(latest, latest.c.qa_id == qa_log.c.id).outerjoin(ratings, ratings.c.id == latest.c.rid)
            )
            .where(*where)
            .order_by(qa_log.c.id.desc() if newest_first else qa_log.c.id)
        )
        if limit:
            query = query.limit(limit)
        rows = []
        for r in conn.execute(query):
            row = dict(r._mapping)
            row["citations"] = json.loads(row.pop("citations_json") or "[]")
            row["settings"] = json.loads(row.pop("settings_json") or "{}")
            rows.append(row)
        return rows

    @staticmethod
    def _history(conn, row: dict) -> list[dict]:
        if row["channel"] == "api":  # a stateless request: the history it was sent with
            return list(row["settings"].get("history") or [])
        earlier = conn.execute(
            select(qa_log.c.question, qa_log.c.answer)
            .where(qa_log.c.session_id == row["session_id"], qa_log.c.id < row["id"])
            .order_by(qa_log.c.id)
        )
        turns: list[dict] = []
        for question, answer in earlier:
            turns += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]
        return turns


def _upgrade(engine: Engine) -> None:
    """Add the columns of ADDED_COLUMNS that an older database lacks (existing rows get the default).
    Two processes may open an old database at once: the one that loses the race finds the column there."""
    for table, column, ddl in ADDED_COLUMNS:
        if column in {c["name"] for c in inspect(engine).get_columns(table)}:
            continue
        try:
            with engine.begin() as conn:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}"))
            log.info("database upgraded: added %s.%s", table, column)
        except (OperationalError, ProgrammingError):
            if column not in {c["name"] for c in inspect(engine).get_columns(table)}:
                raise
