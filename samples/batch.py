"""A December batch of returned forms: scans, ground truth, roster and manifest.

`generate_batch` plans the whole batch from the seed first (who returned what, which file
each sheet goes to, scanner settings), then renders file by file. Every page draws its own
random stream from the seed and its place in the plan, so results do not depend on timing.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samples.content import Contact, Member, Visit, contacts_of, roster, visits_of
from samples.export import write_jpeg, write_pdf, write_png, write_tiff
from samples.layout import FORM_DPI
from samples.pages import FilledSheet, fill_registration, fill_service_card
from samples.paper import blank_backside, cover_letter
from samples.scanner import Capture, flatbed_scan, phone_photo

ROSTER_HEADER = ("委员编号", "姓名", "界别", "政协工委", "联系电话", "是否常委")


@dataclass(frozen=True)
class SheetJob:
    """One physical sheet: a form R, a form S, or the cover letter."""

    kind: str
    member: Member | None = None
    contact: Contact | None = None
    contacts: tuple[Contact, ...] = ()
    visits: tuple[Visit, ...] = ()
    with_code: bool = False


@dataclass
class FilePlan:
    """One file of the batch and how its sheets were captured."""

    name: str
    fmt: str  # pdf | tiff | jpeg | png
    capture: str  # adf | flatbed | phone
    jobs: list[SheetJob] = field(default_factory=list)
    dpi: int = 200
    gray: bool = True
    duplex: bool = False
    quality: int = 75
    duplicate_of: str | None = None


def _sheet_jobs(rng: random.Random, members: list[Member], year: int) -> list[SheetJob]:
    """Form R for every member, form S for each card that came back (most of them)."""
    jobs: list[SheetJob] = []
    for member in members:
        contacts = contacts_of(rng, member)
        jobs.append(SheetJob("registration", member, contacts=tuple(contacts),
                             with_code=rng.random() < 0.2))
        for contact in contacts:
            if rng.random() < 0.92:
                jobs.append(SheetJob("service_card", member, contact,
                                     visits=tuple(visits_of(rng, year)),
                                     with_code=rng.random() < 0.3))
    rng.shuffle(jobs)
    return jobs


def plan_files(rng: random.Random, jobs: list[SheetJob], year: int, sender: str) -> list[FilePlan]:
    """Split the sheets over PDFs, phone photos, one PNG, one TIFF, and one duplicate file."""
    jobs = list(jobs)
    files: list[FilePlan] = []
    clock = time.mktime((year, 12, rng.randint(1, 4), 9, 0, 0, 0, 0, -1))
    n_photos = max(1, round(len(jobs) * 0.1))
    photos = []
    for _ in range(n_photos):
        clock += rng.randint(40, 900)
        stamp = time.strftime("%Y%m%d_%H%M%S", time.localtime(clock))
        photos.append(FilePlan(f"IMG_{stamp}.jpg", "jpeg", "phone", [jobs.pop()],
                               quality=rng.randint(82, 92), gray=False))
    tiff = FilePlan(f"fax-{year}12{rng.randint(5, 9):02d}.tif", "tiff", "adf",
                    [jobs.pop() for _ in range(min(3, max(2, len(jobs) // 8)))])
    png = FilePlan("scan_0001.png", "png", "adf", [jobs.pop()], dpi=200)
    pdf_jobs: list[list[SheetJob]] = []
    while jobs:
        size = min(len(jobs), rng.randint(4, 9))
        pdf_jobs.append([jobs.pop() for _ in range(size)])
    pdf_jobs = pdf_jobs or [[]]
    pdf_jobs[0].insert(0, SheetJob("letter", sender_hint(sender)))
    # Feeder scans mostly, and at least one session on the flatbed glass.
    devices = ["flatbed"] + [rng.choice(("adf", "adf", "flatbed")) for _ in pdf_jobs[1:]]
    rng.shuffle(devices)
    pdfs = []
    for n, (chunk, device) in enumerate(zip(pdf_jobs, devices, strict=True), start=1):
        pdfs.append(FilePlan(
            f"scan-{n:03d}.pdf", "pdf", device, chunk,
            dpi=rng.choice((200, 200, 300)), gray=rng.random() < 0.6,
            duplex=rng.random() < 0.3, quality=rng.randint(60, 80),
        ))
    # Interleave as they were uploaded: PDFs first, photos and the odd formats between.
    files = pdfs[:1] + photos[:1] + pdfs[1:2] + [tiff] + pdfs[2:] + photos[1:] + [png]
    original = photos[0]
    stem, dot, ext = original.name.rpartition(".")
    files.append(FilePlan(f"{stem}(1){dot}{ext}", original.fmt, original.capture,
                          duplicate_of=original.name))
    return files


def sender_hint(committee: str) -> Member:
    """The letter's sender, carried as a pseudo-member so that jobs stay one type."""
    return Member("", "", "", committee, "", False)


def _render_sheet(job: SheetJob, rng: random.Random, year: int) -> FilledSheet:
    if job.kind == "registration":
        assert job.member is not None
        return fill_registration(rng, job.member, list(job.contacts), year,
                                 with_code=job.with_code)
    if job.kind == "service_card":
        assert job.member is not None and job.contact is not None
        return fill_service_card(rng, job.member, job.contact, list(job.visits), year,
                                 with_code=job.with_code)
    committee = job.member.committee if job.member else "市政协办公室"
    return FilledSheet("unknown", cover_letter(rng, year, committee.removesuffix("办公室")))


def _quarter_turns(rng: random.Random, plan: FilePlan, form: str) -> int:
    if plan.capture == "phone":
        return rng.choices((0, 1, 2, 3), (60, 17, 5, 18))[0]
    if plan.capture == "flatbed" and form == "service_card":
        return rng.choices((0, 1, 2, 3), (60, 15, 10, 15))[0]
    return rng.choices((0, 1, 2, 3), (84, 4, 8, 4))[0]


def capture_sheet(sheet: FilledSheet, plan: FilePlan, rng: random.Random, k: int) -> Capture:
    """Scan or photograph a flat sheet with the file's device settings."""
    if plan.capture == "phone":
        return phone_photo(sheet.image, rng, k=k)
    limit = 2.0 if plan.capture == "adf" else 4.0
    skew = max(-limit, min(limit, rng.gauss(0.0, limit / 2.5)))
    return flatbed_scan(sheet.image, rng, dpi=plan.dpi, gray=plan.gray, k=k,
                        crop_to_sheet=plan.capture == "adf", skew=skew)


def page_truth(sheet: FilledSheet, capture: Capture, file: str, page: int) -> dict[str, Any]:
    """One truth line in the shape of record.schema.json, plus the page's geometry."""
    h, w = sheet.image.shape[:2]
    truth: dict[str, Any] = {
        "document_id": f"{file}#{page}",
        "source": {"file": file, "page": page},
        "form": sheet.form,
        "status": "needs_review",
        "rotation": capture.rotation,
        "card_code": sheet.card_code,
        "member_code": sheet.member_code,
        "contact_no": sheet.contact_no,
        "fields": sheet.fields,
    }
    if sheet.rows is not None:
        truth["rows"] = sheet.rows
    if sheet.contacts is not None:
        truth["contacts"] = sheet.contacts
    truth["geometry"] = {
        "form_size": [w, h],
        "form_dpi": FORM_DPI,
        "image_size": [int(capture.image.shape[1]), int(capture.image.shape[0])],
        "form_to_image": [[float(v) for v in row] for row in capture.matrix],
        "cells": {key: list(box) for key, box in sheet.cells.items()},
    }
    return truth


def render_file(plan: FilePlan, out: Path, seed: int, year: int) -> list[dict[str, Any]]:
    """Render, capture and write one file; returns the truth of its pages."""
    captures: list[Capture] = []
    truths: list[dict[str, Any]] = []
    for index, job in enumerate(plan.jobs):
        rng = random.Random(f"{seed}/{plan.name}/{index}")
        sheet = _render_sheet(job, rng, year)
        k = _quarter_turns(rng, plan, sheet.form)
        captures.append(capture_sheet(sheet, plan, rng, k))
        truths.append(page_truth(sheet, captures[-1], plan.name, len(captures)))
        if plan.duplex and rng.random() < 0.5:
            back = FilledSheet("blank", blank_backside(sheet.image, rng))
            captures.append(capture_sheet(back, plan, rng, k))
            truths.append(page_truth(back, captures[-1], plan.name, len(captures)))
    path = out / plan.name
    when = time.gmtime(time.mktime((year, 12, 5, 10, 0, 0, 0, 0, -1)))
    if plan.fmt == "pdf":
        write_pdf(path, captures, quality=plan.quality, when=when)
    elif plan.fmt == "tiff":
        write_tiff(path, captures)
    elif plan.fmt == "jpeg":
        write_jpeg(path, captures[0], quality=plan.quality)
    else:
        write_png(path, captures[0])
    return truths


def _write_roster(path: Path, members: list[Member]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(ROSTER_HEADER)
        for m in sorted(members, key=lambda m: m.code):
            writer.writerow((m.code, m.name, m.sector, m.committee, m.phone,
                             "是" if m.standing else "否"))


def generate_batch(out_dir: Path, *, seed: int, members: int = 10, year: int = 2026) -> Path:
    """Write a December batch to `out_dir` (scans/, truth.jsonl, roster.csv, manifest.json)."""
    out_dir = Path(out_dir)
    scans = out_dir / "scans"
    scans.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    people = roster(rng, members)
    jobs = _sheet_jobs(rng, people, year)
    plans = plan_files(rng, jobs, year, rng.choice(people).committee)
    truth_by_file: dict[str, list[dict[str, Any]]] = {}
    manifest_files: list[dict[str, Any]] = []
    for plan in plans:
        if plan.duplicate_of is not None:
            shutil.copyfile(scans / plan.duplicate_of, scans / plan.name)
            truths = [_retarget(t, plan.name) for t in truth_by_file[plan.duplicate_of]]
        else:
            truths = render_file(plan, scans, seed, year)
        truth_by_file[plan.name] = truths
        manifest_files.append({"file": plan.name, "format": plan.fmt, "capture": plan.capture,
                               "pages": len(truths), "duplicate_of": plan.duplicate_of})
    with (out_dir / "truth.jsonl").open("w", encoding="utf-8") as fh:
        for plan in plans:
            for truth in truth_by_file[plan.name]:
                fh.write(json.dumps(truth, ensure_ascii=False) + "\n")
    _write_roster(out_dir / "roster.csv", people)
    manifest = {"seed": seed, "members": members, "year": year,
                "pages": sum(f["pages"] for f in manifest_files), "files": manifest_files}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2)
                                           + "\n", encoding="utf-8")
    return out_dir


def _retarget(truth: dict[str, Any], file: str) -> dict[str, Any]:
    page = truth["source"]["page"]
    return {**truth, "document_id": f"{file}#{page}", "source": {"file": file, "page": page}}
