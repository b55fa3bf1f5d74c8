"""`python -m tests.reliability.fault_launcher ARGS…` runs `cardscan ARGS…` and kills itself
with SIGKILL the N-th time it passes a named point, given as CARDSCAN_TEST_KILL=point:N.

Points: `file_stored` (a file's row committed), `page_written` (a page's image is on disk, its
row not yet written), `page_stored` (a page and its fields committed), `flushed` (inside a database
transaction, rows written but not committed: a page without its fields, say), `finish` (all
pages stored, batch not closed).
The real code runs unchanged; only these passes are counted.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from records.batch_store import DatabaseBatchStore

_point, _, _count = os.environ.get("CARDSCAN_TEST_KILL", ":0").partition(":")
_target = int(_count or 0)
_seen: Counter[str] = Counter()


def passing(point: str) -> None:
    _seen[point] += 1
    if point == _point and _seen[point] == _target:
        os.kill(os.getpid(), signal.SIGKILL)


def _install() -> None:
    add_file, add_page = DatabaseBatchStore.add_file, DatabaseBatchStore.add_page
    finish = DatabaseBatchStore.finish_batch

    def add_file_then(self: DatabaseBatchStore, *args: Any, **kwargs: Any) -> int:
        file_id = add_file(self, *args, **kwargs)
        passing("file_stored")
        return file_id

    def add_page_then(self: DatabaseBatchStore, *args: Any, **kwargs: Any) -> None:
        passing("page_written")
        add_page(self, *args, **kwargs)
        passing("page_stored")

    def finish_after(self: DatabaseBatchStore, *args: Any, **kwargs: Any) -> None:
        passing("finish")
        finish(self, *args, **kwargs)

    DatabaseBatchStore.add_file = add_file_then  # type: ignore[method-assign]
    DatabaseBatchStore.add_page = add_page_then  # type: ignore[method-assign]
    DatabaseBatchStore.finish_batch = finish_after  # type: ignore[method-assign]
    event.listen(Session, "after_flush", lambda session, context: passing("flushed"))


if __name__ == "__main__":
    _install()
    from api.cli import app

    app(prog_name="cardscan")
