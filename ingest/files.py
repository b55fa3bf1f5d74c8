"""Finding input files, hashing them, telling their type from magic bytes, keeping a copy."""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from ingest.errors import EmptyFile, FileNotFound, UnsupportedType

HASH_CHUNK = 1024 * 1024
SNIFF_BYTES = 1024

# Formats people send by mistake, named so the message can say what the file is.
_KNOWN_OTHER = (
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive or Office document"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"BM", "a BMP image"),
    (b"RIFF", "a WebP image or other RIFF file"),
)


def discover_files(paths: Iterable[Path]) -> list[Path]:
    """Files named or found under folders (recursively), sorted, each once; hidden ones skipped.

    A path that does not exist is kept so the batch can report it as `not_found`.
    """
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            candidates = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            candidates = [path]
        for candidate in candidates:
            key = candidate.resolve()
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks so large scans never sit in memory whole."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_readable(path: Path) -> int:
    """Size of a regular, non-empty file; raises `FileNotFound` or `EmptyFile`."""
    if not path.is_file():
        raise FileNotFound(path.name, "no such file")
    size = path.stat().st_size
    if size == 0:
        raise EmptyFile(path.name, "the file is empty (0 bytes)")
    return size


def sniff_kind(path: Path) -> str:
    """`pdf`, `jpeg`, `png` or `tiff` from the file's first bytes; the extension is ignored."""
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if not head:
        raise EmptyFile(path.name, "the file is empty (0 bytes)")
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    # Some producers put junk before the PDF header; readers accept it within 1 KiB.
    if b"%PDF-" in head:
        return "pdf"
    if head[4:8] == b"ftyp":
        raise UnsupportedType(path.name, "it is a HEIC/MP4 file (phone photo format)")
    for magic, what in _KNOWN_OTHER:
        if head.startswith(magic):
            raise UnsupportedType(path.name, f"it is {what}, not a scan")
    raise UnsupportedType(path.name, "its content is not a PDF, JPEG, PNG or TIFF")


def store_original(path: Path, *, files_dir: Path, sha256: str, kind: str) -> Path:
    """Copy the file to `files_dir` under a name made from its hash (temp name, then rename)."""
    target = files_dir / sha256[:2] / f"{sha256}.{kind}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    shutil.copyfile(path, partial)
    with partial.open("rb+") as stream:  # on disk before the database row names it
        os.fsync(stream.fileno())
    partial.replace(target)
    return target
