"""The files a batch was asked to ingest, kept beside the data (``batches/<id>.json``) so a
run killed before it reached every file can be resumed with the same files.

Each entry is the file's path and the name its user knows it by; entries are only added
(a resumed run may bring more files), and the list is replaced atomically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PLANS_DIR = "batches"


@dataclass(frozen=True)
class PlannedFile:
    path: Path
    name: str


def plan_path(data_dir: Path, batch_id: int) -> Path:
    return data_dir / PLANS_DIR / f"{batch_id}.json"


def read_plan(data_dir: Path, batch_id: int) -> list[PlannedFile]:
    """The batch's files in the order they were given ([] when it has no plan)."""
    path = plan_path(data_dir, batch_id)
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [PlannedFile(Path(e["path"]), str(e["name"])) for e in entries if "path" in e]


def write_plan(
    data_dir: Path, batch_id: int, files: Sequence[Path], names: Mapping[Path, str]
) -> None:
    """Add these files to the batch's plan (temp name, flushed, then renamed)."""
    entries = read_plan(data_dir, batch_id)
    known = {e.path for e in entries}
    for file in files:
        resolved = file.resolve()
        if resolved not in known:
            known.add(resolved)
            entries.append(PlannedFile(resolved, names.get(file, file.name)))
    target = plan_path(data_dir, batch_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.part")
    with partial.open("w", encoding="utf-8") as stream:
        json.dump(
            [{"path": str(e.path), "name": e.name} for e in entries], stream, ensure_ascii=False
        )
        stream.flush()
        os.fsync(stream.fileno())
    partial.replace(target)
