"""Downloads of the records (JSON lines or CSV), filtered, scoped and masked per user.

A user bound to a committee gets only that committee's pages; a role without access to
personal data gets phones and addresses masked. Every download is an audit entry naming
who, the format and the filter (never the data).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Protocol

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.deps import Principal, SessionDep, get_engine, require
from api.errors import Forbidden
from api.permissions import Can
from records.audit import record_event
from records.export import ExportFilter, count_pages, csv_chunks, jsonl_lines
from records.models import PageStatus

router = APIRouter(prefix="/exports", tags=["exports"])
Exporter = Annotated[Principal, Depends(require(Can.export))]
EngineDep = Annotated[Engine, Depends(get_engine)]


class Produce(Protocol):
    """`jsonl_lines` or `csv_chunks`: the export as text pieces."""

    def __call__(
        self, session: Session, *, selection: ExportFilter | None = None, mask: bool = False
    ) -> Iterator[str]: ...


def export_filter(
    exporter: Exporter,
    batch_id: int | None = None,
    status: PageStatus | None = None,
    committee: str | None = None,
    year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
) -> ExportFilter:
    """The filter from the query, narrowed to the user's committee when they have one."""
    if exporter.committee is not None:
        if committee not in (None, exporter.committee):
            raise Forbidden(
                f"您只能导出本工委（{exporter.committee}）的记录。",
                f"You may export only the pages of your committee ({exporter.committee}).",
            )
        committee = exporter.committee
    return ExportFilter(batch_id=batch_id, status=status, committee=committee, year=year)


Selection = Annotated[ExportFilter, Depends(export_filter)]


@router.get("/records.jsonl", response_class=StreamingResponse)
def export_jsonl(
    exporter: Exporter, selection: Selection, session: SessionDep, engine: EngineDep
) -> StreamingResponse:
    """One record of `record.schema.json` per page, as a JSON-lines download."""
    media_type = "application/x-ndjson; charset=utf-8"
    return _download("jsonl", jsonl_lines, media_type, exporter, selection, session, engine)


@router.get("/records.csv", response_class=StreamingResponse)
def export_csv(
    exporter: Exporter, selection: Selection, session: SessionDep, engine: EngineDep
) -> StreamingResponse:
    """One row per field, UTF-8 with a byte-order mark (Excel and WPS read it right)."""
    return _download(
        "csv", csv_chunks, "text/csv; charset=utf-8", exporter, selection, session, engine
    )


def _download(
    fmt: str,
    produce: Produce,
    media_type: str,
    exporter: Principal,
    selection: ExportFilter,
    session: Session,
    engine: Engine,
) -> StreamingResponse:
    """Record the export, then stream it from a session of its own (the request's closes
    before the body is sent)."""
    mask = not exporter.can(Can.see_personal_data)
    record_event(
        session,
        actor=exporter.name,
        actor_id=exporter.id,
        action="export",
        detail={
            "format": fmt,
            "filters": selection.as_json(),
            "pages": count_pages(session, selection),
            "masked": mask,
        },
    )
    session.commit()

    def body() -> Iterator[bytes]:
        with Session(engine) as stream_session:
            for text in produce(stream_session, selection=selection, mask=mask):
                yield text.encode("utf-8")

    return StreamingResponse(
        body(),
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="records.{fmt}"'},
    )
