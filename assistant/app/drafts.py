"""Saved reply drafts of the help desk: status 草稿 / 待审核 / 已审核, a reviewer and a due date.

The due date defaults to a number of working days (Monday to Friday; public holidays are not known)
after the draft was made: Settings.draft_due_simple_days for a simple reply, draft_due_complex_days for
a complex one. Open drafts (not yet 已审核) are listed by due date. A database error is a StorageError (one
Chinese line; the detail is logged once per outage).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from assistant.app.outages import Outages
from assistant.app.repository import RecordNotFound, drafts, inserted_id, utcnow

log = logging.getLogger(__name__)

STATUSES = ("草稿", "待审核", "已审核")
OPEN = ("草稿", "待审核")
MAX_REVIEWER_CHARS = 100


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days (Monday to Friday) after `start`."""
    day, left = start, max(0, days)
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


class DraftStore:
    """Drafts in the app database (the Repository's engine); every write is one transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._storage = Outages(log, "drafts", "答复草稿数据库").guard

    def save(
        self,
        draft_id: int | None,
        *,
        title: str,
        text: str,
        status: str,
        reviewer: str = "",
        due: date | None = None,
        question: str = "",
        complex_reply: bool = False,
    ) -> int:
        """Insert a new draft (draft_id None) or update one; returns its id."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
        values = {
            "updated_at": utcnow(),
            "title": title.strip() or "（无标题）",
            "text": text,
            "status": status,
            "reviewer": (reviewer or "").strip()[:MAX_REVIEWER_CHARS],
            "due": due,
        }
        with self._storage("保存草稿", write=True), self.engine.begin() as conn:
            if draft_id is None:
                row = {**values, "created_at": values["updated_at"], "question": question, "complex": complex_reply}
                return inserted_id(conn.execute(insert(drafts).values(**row)))
            changed = conn.execute(update(drafts).where(drafts.c.id == draft_id).values(**values)).rowcount
            if not changed:
                raise RecordNotFound(f"没有编号为 {draft_id} 的答复草稿")
            return draft_id

    def get(self, draft_id: int) -> dict:
        with self._storage("读取草稿"), self.engine.connect() as conn:
            row = conn.execute(select(drafts).where(drafts.c.id == draft_id)).first()
        if row is None:
            raise RecordNotFound(f"没有编号为 {draft_id} 的答复草稿")
        return dict(row._mapping)

    def listed(self, open_only: bool = True) -> list[dict]:
        """Drafts by due date (those without one last), then by id; only open ones unless asked."""
        query = select(drafts).order_by(drafts.c.due.is_(None), drafts.c.due, drafts.c.id)
        if open_only:
            query = query.where(drafts.c.status.in_(OPEN))
        with self._storage("读取草稿"), self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]
