"""The audit trail: who did what, when, to which record — append-only.

Entries carry ids, codes and filters, never personal data (a field change names
the field and its history entry; the values live in that history). The
database itself refuses to change or delete an entry (triggers), so not even a
bug in the app can rewrite the trail.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlmodel as sm
from sqlalchemy import JSON, Column, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from records.models import utcnow


class AuditEvent(sm.SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = sm.Field(default=None, primary_key=True)
    at: datetime = sm.Field(default_factory=utcnow, index=True)
    actor_id: int | None = sm.Field(default=None, index=True)
    actor: str  # the user name at the time (or "cli" / "system")
    action: str = sm.Field(index=True)  # e.g. login, login_failed, upload, field_change
    target_type: str | None = None
    target_id: str | None = None
    detail: dict[str, Any] = sm.Field(default_factory=dict, sa_column=Column(JSON))


class AuditEventPublic(sm.SQLModel):
    id: int
    at: datetime
    actor_id: int | None
    actor: str
    action: str
    target_type: str | None
    target_id: str | None
    detail: dict[str, Any]


def record_event(
    session: Session,
    *,
    actor: str,
    action: str,
    actor_id: int | None = None,
    target_type: str | None = None,
    target_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one entry (in the caller's transaction, so it lands with the change)."""
    event = AuditEvent(
        actor=actor,
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        detail=detail or {},
    )
    session.add(event)
    return event


def list_events(
    session: Session,
    *,
    offset: int = 0,
    limit: int = 100,
    action: str | None = None,
    actor: str | None = None,
) -> tuple[Sequence[AuditEvent], int]:
    """Newest first, filtered, with the total of the filter."""
    from sqlalchemy import func

    query = select(AuditEvent)
    count = select(func.count()).select_from(AuditEvent)
    if action:
        query, count = (
            query.where(AuditEvent.action == action),
            count.where(AuditEvent.action == action),
        )
    if actor:
        query, count = (
            query.where(AuditEvent.actor == actor),
            count.where(AuditEvent.actor == actor),
        )
    rows = session.exec(query.order_by(col(AuditEvent.id).desc()).offset(offset).limit(limit))
    return rows.all(), int(session.exec(count).one())


_SQLITE_GUARDS = (
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
)
_POSTGRES_GUARDS = (
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
)


def guard_audit_table(engine: Engine) -> None:
    """Install the triggers that make ``audit_event`` append-only."""
    statements = _SQLITE_GUARDS if engine.dialect.name == "sqlite" else _POSTGRES_GUARDS
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
