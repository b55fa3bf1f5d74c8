"""Where stored originals and page images live, addressed by keys (`files/ab/<sha256>.pdf`,
`pages/<batch>/<file>-<page>.png`) so that workers on other machines reach the same bytes.

`LocalStorage` is a folder (the data dir by default); pointing it at a shared mount (NFS,
CIFS, a cloud bucket mounted with a FUSE driver) is how a deployment shares it between the
API server and its workers. Anything else only needs the same six methods.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol


class StorageKeyError(ValueError):
    """A key that is empty, absolute or leaves the storage root."""


class Storage(Protocol):
    """A flat store of immutable objects by key (writes are atomic: all or nothing)."""

    def put_file(self, key: str, source: Path) -> None: ...

    def put_bytes(self, key: str, data: bytes) -> None: ...

    def open(self, key: str) -> BinaryIO: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None: ...

    def local_path(self, key: str) -> AbstractContextManager[Path]:
        """A file on this machine with the object's bytes while the block runs (for tools
        such as pdftoppm that need a path)."""
        ...


def check_key(key: str) -> PurePosixPath:
    """A relative key of plain parts, or `StorageKeyError`."""
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in key.split("/")):
        raise StorageKeyError(f"bad storage key {key!r}")
    return PurePosixPath(key)


class LocalStorage:
    """Objects as files under one folder; a key is the file's path relative to it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        """The file that holds `key` (it may not exist)."""
        return self.root.joinpath(*check_key(key).parts)

    def put_file(self, key: str, source: Path) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.part")
        shutil.copyfile(source, partial)
        partial.replace(target)

    def put_bytes(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.part")
        partial.write_bytes(data)
        partial.replace(target)

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def get_bytes(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(f"storage has no object {key!r}")
        yield path


SCRATCH_PREFIX = "cardscan-page-"


@contextmanager
def scratch_dir() -> Iterator[Path]:
    """A private temporary folder, removed afterwards (a worker's page image before upload);
    its name carries the process id, so `remove_stale_scratch` can clear a killed one's."""
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-") as folder:
        yield Path(folder)


def remove_stale_scratch() -> int:
    """Remove scratch folders of processes that no longer run (a worker SIGKILLed mid-page
    cannot clean up); returns how many."""
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        pid = folder.name.removeprefix(SCRATCH_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
