"""The audit trail for admins: read it page by page or download it (itself audited)."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.deps import Principal, SessionDep, require
from api.permissions import Can
from api.routes.paging import LimitQuery, OffsetQuery, Paginated
from records.audit import AuditEventPublic, list_events, record_event

router = APIRouter(prefix="/audit", tags=["audit"])
Auditor = Annotated[Principal, Depends(require(Can.see_audit))]
EXPORT_LIMIT = 100_000


@router.get("")
def list_audit(
    auditor: Auditor,
    session: SessionDep,
    offset: OffsetQuery = 0,
    limit: LimitQuery = 100,
    action: str | None = None,
    actor: str | None = None,
) -> Paginated[AuditEventPublic]:
    del auditor
    rows, total = list_events(session, offset=offset, limit=limit, action=action, actor=actor)
    items = [AuditEventPublic.model_validate(r) for r in rows]
    return Paginated[AuditEventPublic](items=items, total=total, offset=offset, limit=limit)


@router.get("/export.csv", response_class=Response)
def export_audit(
    auditor: Auditor, session: SessionDep, action: str | None = None, actor: str | None = None
) -> Response:
    """The trail (filtered) as CSV, UTF-8 with BOM; the download is itself an entry."""
    rows, _ = list_events(session, limit=EXPORT_LIMIT, action=action, actor=actor)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        (
            "编号 id",
            "时间 at",
            "用户 actor",
            "操作 action",
            "对象 target_type",
            "对象编号 target_id",
            "详情 detail",
        )
    )
    for r in rows:
        writer.writerow(
            (
                r.id,
                r.at.isoformat(),
                r.actor,
                r.action,
                r.target_type or "",
                r.target_id or "",
                json.dumps(r.detail, ensure_ascii=False),
            )
        )
    record_event(
        session,
        actor=auditor.name,
        actor_id=auditor.id,
        action="audit_exported",
        detail={"action": action, "actor": actor, "rows": len(rows)},
    )
    session.commit()
    return Response(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
