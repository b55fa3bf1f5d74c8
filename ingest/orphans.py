"""Pool workers that end with the process that started them.

A worker of the ingest pool waits on its task queue; when the ingest is SIGKILLed (or the
machine's OOM killer takes it), nothing ever closes that queue, so the worker would wait
forever, holding its memory. Each worker therefore watches the process that made the pool
and exits once it is gone.
"""

from __future__ import annotations

import os
import threading
import time

CHECK_EVERY_S = 1.0


def is_alive(pid: int) -> bool:
    """Whether a process with this id exists (a zombie still counts until it is reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process now holds the id
        return True
    return True


def exit_with(owner_pid: int, *, every_s: float = CHECK_EVERY_S) -> None:
    """Pool initializer: end this process soon after ``owner_pid`` (the process that made
    the pool) or this process's parent (the fork server) is gone."""
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(every_s)
            if os.getppid() != parent or not is_alive(owner_pid):
                os._exit(0)  # nothing to flush: results travel through the pool, now dead

    threading.Thread(target=watch, name="exit-with-owner", daemon=True).start()
