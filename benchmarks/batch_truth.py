"""A generated batch's ground truth as the benchmarks read it: every page's truth record,
and which file names are one document (byte-identical files are ingested once, under
whichever name came first, so either name stands for both)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class BatchTruth:
    pages: list[dict[str, Any]]  # truth.jsonl, one record per generated page
    group: dict[str, str]  # file name → the name that stands for its content
    duplicates: frozenset[str]  # files that repeat another byte for byte

    def key(self, truth: dict[str, Any]) -> tuple[str, int]:
        """Where a truth record's page is found among the stored pages (`stored_key`)."""
        return self.group[truth["source"]["file"]], truth["source"]["page"]

    def stored_key(self, file_name: str, page_no: int) -> tuple[str, int]:
        """A stored page's place, by the name of the file ingest kept and its page number."""
        return self.group.get(file_name, file_name), page_no


def read_batch_truth(batch_dir: Path) -> BatchTruth:
    """The truth of the batch generated in ``batch_dir`` (manifest.json, truth.jsonl)."""
    manifest = json.loads((batch_dir / "manifest.json").read_text(encoding="utf-8"))
    group = {f["file"]: f.get("duplicate_of") or f["file"] for f in manifest["files"]}
    duplicates = frozenset(f["file"] for f in manifest["files"] if f.get("duplicate_of"))
    lines = (batch_dir / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    return BatchTruth([json.loads(line) for line in lines], group, duplicates)
