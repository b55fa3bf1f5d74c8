"""Which batches a live process is working on: an advisory lock file per batch.

A run holds ``locks/batch-<id>.lock`` (``flock``) while it ingests; the kernel drops the lock
when the process dies, however it dies (SIGKILL, power loss), so a batch still marked
`running` whose lock is free was left behind by a dead run and may be resumed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

LOCKS_DIR = "locks"


class BatchInUse(RuntimeError):
    """Another live process is ingesting this batch."""

    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id
        super().__init__(f"batch {batch_id} is being ingested by another process")


def lock_path(data_dir: Path, batch_id: int) -> Path:
    return data_dir / LOCKS_DIR / f"batch-{batch_id}.lock"


class BatchLock:
    """A held batch lock; `release` (or process death) frees it."""

    def __init__(self, fd: int | None) -> None:
        self._fd = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def hold_batch_lock(data_dir: Path, batch_id: int) -> BatchLock:
    """Take the batch's lock without waiting; an unheld `BatchLock` when another run has it."""
    path = lock_path(data_dir, batch_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return BatchLock(None)
    return BatchLock(fd)


def batch_is_live(data_dir: Path, batch_id: int) -> bool:
    """True while some process (this one included) holds the batch's lock."""
    path = lock_path(data_dir, batch_id)
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)  # closing drops a lock we may just have taken
    return False
