"""App database: the question/answer log, user feedback, evaluator ratings and reply drafts (SQLAlchemy 2 Core).

One small repository object per process, built at the entry point from ``settings.db_url`` and
passed in. Every write runs in its own transaction (``engine.begin()``). Times are stored in UTC.
A rating is append-only: the newest rating of an answer is its current rating. Each answer records
its channel: ``chat`` (the web app) or ``api`` (the HTTP API, whose requests carry their own history,
kept with the record). Columns added since a database was created are added when it is opened.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import urllib.parse
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
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
from sqlalchemy.engine import URL, CursorResult, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, ProgrammingError

from assistant.app.outages import Outages
from assistant.core.errors import ConfigError, PolicyAssistantError, StorageError

log = logging.getLogger(__name__)

THUMBS = ("up", "down")
RATINGS = ("correct", "partial", "wrong", "citation-wrong")
CHANNELS = ("chat", "api")

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
QA_INSERT = insert(qa_log)  # built once, the values passed with each answer: building it cost as much as the write
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


# reply drafts of the help desk (assistant/app/drafts.py): status 草稿 / 待审核 / 已审核
drafts = Table(
    "drafts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False, index=True),
    Column("title", Text, nullable=False),
    Column("question", Text, nullable=False, default=""),
    Column("text", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("reviewer", String(100), nullable=False, default=""),
    Column("due", Date, nullable=True, index=True),
    Column("complex", Boolean, nullable=False, default=False),
)


class RecordNotFound(PolicyAssistantError):
    """A question/answer record id that does not exist (or was purged)."""


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def inserted_id(result: CursorResult) -> int:
    """The primary key of the row an INSERT just added."""
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no primary key for the new row")
    return int(key[0])


POSTGRES_EXTRA = "pip install 'policy-assistant[postgres]'"
URL_EXAMPLES = "sqlite:///data/app.db 或 postgresql://用户:密码@主机/库名"


def database_url(url: str) -> URL:
    """The parsed URL; a bare postgresql:// uses psycopg, the driver of the [postgres] extra. ConfigError
    (one line naming what to install, the password hidden) for a URL that cannot be used."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(
            f"PA_DATABASE_URL 无法解析，应形如 {URL_EXAMPLES}（PostgreSQL 驱动：{POSTGRES_EXTRA}）"
        ) from exc
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    shown = parsed.render_as_string(hide_password=True)
    try:
        dialect = parsed.get_dialect()
    except NoSuchModuleError as exc:
        raise ConfigError(
            f"PA_DATABASE_URL={shown}：不支持的数据库类型 {parsed.drivername!r}，可用 {URL_EXAMPLES}"
            f"（PostgreSQL 驱动：{POSTGRES_EXTRA}）"
        ) from exc
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        hint = f"，请安装：{POSTGRES_EXTRA}" if parsed.get_backend_name() == "postgresql" else "，请先安装它"
        raise ConfigError(f"PA_DATABASE_URL={shown}：缺少数据库驱动（Python 模块 {exc.name}）{hint}") from exc
    return parsed


def _write_ahead(connection, _record) -> None:
    """SQLite in WAL mode with synchronous=NORMAL: a commit appends to the log without waiting for the disk
    (fsync at checkpoints), so an answer is logged in well under a millisecond instead of 5-25 ms, and readers
    never wait for the writer. Every transaction stays atomic; a committed one survives a crash of the app, and
    only a power failure can take back the last ones."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _read_only_sqlite(parsed: URL) -> URL | None:
    """For an SQLite file we cannot write (a read-only mount, a file or folder without write access): the URL
    that opens it read-only and immutable, else None. A WAL database (see _write_ahead) cannot be read at all
    where SQLite may not create its -shm file, unless it is told the file cannot change."""
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(str(parsed.database)).expanduser()
    if not path.is_file() or (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return None
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro&immutable=1"
    return parsed.set(database=uri, query={**parsed.query, "uri": "true"})


class Repository:
    """Thread-safe (the engine pools connections); close() disposes of the engine.

    A database that cannot be opened or written (read-only, corrupt, full, unreachable) does not stop the app:
    the constructor logs it and sets `problem`, and every operation that fails raises StorageError. The first
    failure of an outage is logged with its detail, the rest only at debug level."""

    def __init__(self, url: str):
        parsed = database_url(url)
        connect_args: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            connect_args = {"check_same_thread": False, "timeout": 30}
            if parsed.database and parsed.database != ":memory:":
                with contextlib.suppress(OSError):  # a missing folder shows as a database error below
                    Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        read_only = _read_only_sqlite(parsed)
        self.engine: Engine = create_engine(read_only or parsed, connect_args=connect_args, future=True)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:") and not read_only:
            event.listen(self.engine, "connect", _write_ahead)
        self._storage = Outages(log, "answer log", "答案记录数据库").guard
        self.problem: str | None = None
        try:
            with self._storage("打开"):
                metadata.create_all(self.engine)
                _upgrade(self.engine)
                with self.engine.connect() as conn, conn.begin() as transaction:
                    conn.execute(delete(qa_log).where(qa_log.c.id == -1))  # a write that changes nothing
                    transaction.rollback()
        except StorageError as exc:
            self.problem = str(exc)
            log.warning(
                "the answer log %s cannot be written: chat goes on, answers and feedback are not recorded",
                parsed.render_as_string(hide_password=True),
            )

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
        with self._storage("写入问答记录", write=True), self.engine.begin() as conn:
            return inserted_id(conn.execute(QA_INSERT, row))

    def add_feedback(self, qa_id: int, thumb: str, comment: str = "") -> int:
        if thumb not in THUMBS:
            raise ValueError(f"thumb must be one of {THUMBS}, not {thumb!r}")
        with self._storage("写入反馈", write=True), self.engine.begin() as conn:
            self._require(conn, qa_id)
            result = conn.execute(
                insert(feedback).values(qa_id=qa_id, thumb=thumb, comment=(comment or "").strip(), created_at=utcnow())
            )
            return inserted_id(result)

    def rate(self, qa_id: int, rating: str, note: str = "") -> int:
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}, not {rating!r}")
        with self._storage("写入评审", write=True), self.engine.begin() as conn:
            self._require(conn, qa_id)
            result = conn.execute(
                insert(ratings).values(qa_id=qa_id, rating=rating, note=(note or "").strip(), created_at=utcnow())
            )
            return inserted_id(result)

    def purge_older_than(self, days: int, now: datetime | None = None) -> int:
        """Delete answers logged more than `days` ago with their feedback and ratings; returns the count."""
        if days < 0:
            raise ValueError("days must not be negative")
        cutoff = (now or utcnow()) - timedelta(days=days)
        old = select(qa_log.c.id).where(qa_log.c.created_at < cutoff)
        with self._storage("清理过期记录", write=True), self.engine.begin() as conn:
            conn.execute(delete(feedback).where(feedback.c.qa_id.in_(old)))
            conn.execute(delete(ratings).where(ratings.c.qa_id.in_(old)))
            return conn.execute(delete(qa_log).where(qa_log.c.created_at < cutoff)).rowcount or 0

    # ---- reads ------------------------------------------------------------------------------

    def get(self, qa_id: int) -> dict:
        with self._storage("读取记录"), self.engine.connect() as conn:
            rows = self._select(conn, [qa_log.c.id == qa_id])
        if not rows:
            raise RecordNotFound(f"没有编号为 {qa_id} 的问答记录")
        return rows[0]

    def list_answers(self, unrated_only: bool = False, limit: int | None = None) -> list[dict]:
        """Newest first, each with its current rating (or None)."""
        with self._storage("读取记录"), self.engine.connect() as conn:
            return self._select(conn, [ratings.c.id.is_(None)] if unrated_only else [], newest_first=True, limit=limit)

    def rated(self) -> list[dict]:
        """Rated answers, oldest first, each with its current rating, note and session history."""
        with self._storage("读取记录"), self.engine.connect() as conn:
            rows = [r for r in self._select(conn, []) if r["rating"] is not None]
            for row in rows:
                row["history"] = self._history(conn, row)
        return rows

    def feedback_for(self, qa_id: int) -> list[dict]:
        with self._storage("读取反馈"), self.engine.connect() as conn:
            result = conn.execute(select(feedback).where(feedback.c.qa_id == qa_id).order_by(feedback.c.id))
            return [dict(r._mapping) for r in result]

    def history(self, qa_id: int) -> list[dict]:
        """The earlier turns of the same chat session, as {"role", "content"} messages."""
        with self._storage("读取记录"), self.engine.connect() as conn:
            return self._history(conn, self.get(qa_id))

    def accuracy(self) -> dict:
        """Counts of current ratings, and the share rated correct among rated answers."""
        counts = {r: 0 for r in RATINGS}
        with self._storage("统计评审"), self.engine.connect() as conn:
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
