"""A SIGKILLed ingest takes its pool workers with it: nothing of its process session is
left running (each worker watches the process that made the pool, `ingest/orphans.py`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.reliability.test_fault_injection import ROOT, SAMPLE, Installation, _env

GONE_WITHIN_S = 10.0


def session_members(sid: int) -> list[int]:
    """Processes of the session ``sid`` (field 6 of /proc/PID/stat), zombies excluded."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def test_a_killed_ingest_leaves_no_worker_behind(tmp_path: Path) -> None:
    site = Installation(tmp_path / "data", f"sqlite:///{tmp_path / 'data' / 'cardscan.db'}")
    scans = tmp_path / "scans"
    scans.mkdir()
    for name in ("scan-002.pdf", "fax-20261206.tif"):  # 5 pages: work left after the kill
        (scans / name).write_bytes((SAMPLE / "scans" / name).read_bytes())
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.fault_launcher", "ingest", str(scans)],
        cwd=ROOT,
        env=_env(site, "page_stored:1"),  # the ingest SIGKILLs itself after its first page
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert process.wait(timeout=240) == -signal.SIGKILL
        deadline = time.monotonic() + GONE_WITHIN_S
        while session_members(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert session_members(process.pid) == [], "pool workers outlived the killed ingest"
    finally:
        if session_members(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
