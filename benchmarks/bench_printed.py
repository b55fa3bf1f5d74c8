"""Benchmark of printed forms (issue 7): print, fill, scan, ingest — against uncoded cards.

The whole year with the real commands, on a fresh seed:

1. a roster (`cardscan roster import`), its forms R printed (`cardscan print registration`),
   filled by hand, scanned, ingested and confirmed with their true values (as a reviewer
   would), which registers the contacts;
2. `cardscan print cards` prints a card per contact; each is filled by its contact
   (simulated handwriting, visits as in the sample generator), scanned (feeder, flatbed,
   phone; 200/300 dpi; quarter turns with 180° among them; JPEG) and filed in a shuffled pile;
3. two twins of each card, captured with the same plan and scanner noise: the same filled
   sheet with its corner marks and code cut off (the same handwriting through the grid
   path, identity from the printed names), and the same visits on an uncoded card of the
   sample generator (handwritten header, a random print run);
4. the three piles through `cardscan ingest`, each into a copy of the same database; per
   card: identity (member and contact), cells aligned (every stored box back on paper
   within 0.5 mm of the truth's), and the field accuracy per kind of
   `benchmarks/field_truth.py`, side by side.

    .venv/bin/python benchmarks/bench_printed.py --members 12 [--seed N] [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session, select

from benchmarks.bench_pages import run_ingest
from benchmarks.field_truth import KindScore, Scores, rate, score_page, truth_fields
from benchmarks.printed_scans import (
    Captured,
    capture,
    cell_error_mm,
    page_truth,
    plan_capture,
    write_files,
)
from forms.geometry import registration, service_card
from forms.pdf import CardPrint, RegistrationPrint
from forms.spec import FIELD_KINDS
from ocr.parse.codes import parse_card_code
from ocr.qr import read_qr_texts
from records.accounts import Role, add_user
from records.db import make_engine, session_scope
from records.models import Field, Member, Page, SourceFile
from records.review import confirm_page, correct_field, set_link
from samples.batch import ROSTER_HEADER
from samples.content import Contact, contacts_of, roster, visits_of
from samples.content import Member as SampleMember
from samples.pages import FilledSheet, fill_service_card
from samples.printed import fill_printed_card, fill_printed_registration, layout_cells, rasterize

YEAR = 2027
ALIGN_MM = 0.5


def cardscan(data_dir: Path, *args: str) -> None:
    env = dict(os.environ, CARDSCAN_DATA_DIR=str(data_dir))
    env.pop("CARDSCAN_DATABASE_URL", None)
    exe = Path(sys.executable).with_name("cardscan")
    subprocess.run([str(exe), *args], env=env, check=True, stdout=subprocess.DEVNULL)


def write_roster(path: Path, people: list[SampleMember]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(ROSTER_HEADER)
        for m in people:
            out.writerow((m.code, m.name, m.sector, m.committee, m.phone,
                          "是" if m.standing else "否"))


def _engine(data_dir: Path) -> Any:
    return make_engine(f"sqlite:///{data_dir / 'cardscan.db'}")


def printed_code(sheet: Any) -> str:
    """The code on a freshly printed page (read off the clean raster: which card it is)."""
    codes = read_qr_texts(sheet)
    assert len(codes) == 1, codes
    return codes[0]


def fill_forms_r(pdf: Path, people: dict[str, SampleMember],
                 contacts: dict[str, list[Contact]], seed: int) -> list[Captured]:
    out: list[Captured] = []
    for index, sheet in enumerate(rasterize(pdf, 200)):
        code = parse_card_code(printed_code(sheet))
        assert code is not None
        member = people[code.member_code]
        rng = random.Random(f"{seed}/R/{index}")
        form = RegistrationPrint(YEAR, printed_code(sheet), member.name, member.sector,
                                 member.phone, member.committee)
        filled = fill_printed_registration(rng, sheet, 200, form, member,
                                           contacts[member.code])
        plan = plan_capture(rng, index)  # A4 forms go through the feeder, maybe upside down
        plan = replace(plan, device="adf", dpi=200, k=plan.k // 2 * 2, skew=plan.skew / 2)
        out.append(Captured(filled, capture(filled, plan, 200, rng), 200, page_truth(filled)))
    return out


def confirm_forms_r(data_dir: Path, truths: dict[str, dict[str, Any]]) -> tuple[int, int]:
    """Confirm every form R with its true values; returns (forms, fields corrected)."""
    engine = _engine(data_dir)
    corrected = 0
    with session_scope(engine) as session:
        user = add_user(session, name="bench", role=Role.admin, password_hash="!",
                        committee=None)
        members = {m.code: m for m in session.exec(select(Member).where(Member.year == YEAR))}
        forms = session.exec(select(Page).where(Page.form == "registration")).all()
        by_id = {m.id: c for c, m in members.items()}
        for page in forms:
            code = parse_card_code(page.card_code or "")
            member_code = code.member_code if code else by_id.get(page.member_id or -1)
            assert member_code is not None, "a form R neither coded nor linked"
            member = members[member_code]
            if page.member_id != member.id:
                set_link(session, page=page, member_id=member.id, contact_no=None, user=user)
            stored = {f.key: f for f in session.exec(select(Field).where(Field.page_id == page.id))}
            for key, value in truth_fields(truths[member_code]).items():
                found = stored.get(key)
                if found is None or found.value != value:
                    correct_field(session, page=page, key=key, value=value, user=user)
                    corrected += 1
            confirm_page(session, page=page, user=user)
    engine.dispose()
    return len(truths), corrected


def fill_printed_cards(pdf: Path, people: dict[str, SampleMember],
                       contacts: dict[str, list[Contact]], visits: dict[str, Any], seed: int
                       ) -> tuple[list[Captured], list[Captured]]:
    """The printed cards filled and scanned, and the same sheets with marks and code cut off
    (scanned alike: the same handwriting through the grid path, identity from the names)."""
    printed: list[Captured] = []
    stripped: list[Captured] = []
    by_dpi: dict[int, list[Any]] = {}
    for index, sheet in enumerate(rasterize(pdf, 200)):
        rng = random.Random(f"{seed}/S/{index}")
        plan = plan_capture(rng, index)
        if plan.dpi not in by_dpi:
            by_dpi[plan.dpi] = rasterize(pdf, plan.dpi)
        code = parse_card_code(printed_code(sheet))
        assert code is not None and code.contact_no is not None
        member = people[code.member_code]
        contact = next(c for c in contacts[member.code] if c.no == code.contact_no)
        card = CardPrint(YEAR, printed_code(sheet), member.name, member.sector, member.phone,
                         member.committee, contact.name, contact.phone)
        filled = fill_printed_card(rng, by_dpi[plan.dpi][index], plan.dpi, card, member,
                                   contact, visits[f"{member.code}/{contact.no}"])
        scan = random.Random(f"{seed}/S/{index}/scan")
        printed.append(Captured(filled, capture(filled, plan, plan.dpi, scan), plan.dpi,
                                page_truth(filled)))
        plain = strip_marks_and_code(filled, plan.dpi)
        scan = random.Random(f"{seed}/S/{index}/scan")
        stripped.append(Captured(plain, capture(plain, plan, plan.dpi, scan), plan.dpi,
                                 page_truth(plain)))
    return printed, stripped


def strip_marks_and_code(sheet: FilledSheet, dpi: int) -> FilledSheet:
    """The sheet as if printed without corner marks and code (paper colour over them)."""
    image = sheet.image.copy()
    paper = np.median(image.reshape(-1, image.shape[-1]), axis=0).astype(image.dtype)
    geometry = service_card()
    for rect in (*geometry.marks, geometry.qr):
        x, y, w, h = rect.px(dpi)
        image[max(0, y - 3) : y + h + 3, max(0, x - 3) : x + w + 3] = paper
    return replace(sheet, image=image, card_code=None)


def fill_uncoded_twins(printed: list[Captured], people: dict[str, SampleMember],
                       contacts: dict[str, list[Contact]], visits: dict[str, Any], seed: int
                       ) -> list[Captured]:
    """The same visits on the generator's uncoded cards, captured with the same plans."""
    out: list[Captured] = []
    for index, item in enumerate(printed):
        rng = random.Random(f"{seed}/S/{index}")
        plan = plan_capture(rng, index)
        member = people[item.truth["member_code"]]
        contact = next(c for c in contacts[member.code] if c.no == item.truth["contact_no"])
        filled = fill_service_card(rng, member, contact, visits[f"{member.code}/{contact.no}"],
                                   YEAR, with_code=False)
        scan = random.Random(f"{seed}/S/{index}/scan")
        out.append(Captured(filled, capture(filled, plan, 300, scan), 300, page_truth(filled)))
    return out


def score(data_dir: Path, where: dict[tuple[str, int], Captured], cells_of: Any
          ) -> tuple[Scores, dict[str, int], list[float]]:
    """Field scores, identity/alignment counts and every card's alignment error (mm)."""
    scores = Scores()
    counts = {"cards": 0, "identity": 0, "aligned": 0, "code": 0, "marks": 0}
    errors: list[float] = []
    engine = _engine(data_dir)
    with Session(engine) as session:
        codes = {m.id: m.code for m in session.exec(select(Member))}
        stored_pages = {
            (name, page.page_no): page
            for page, name in session.exec(select(Page, SourceFile.original_name).join(SourceFile))
        }
        for (name, page_no), item in sorted(where.items()):
            truth = item.truth
            page = stored_pages.get((name, page_no))
            label = f"{name}#{page_no}"
            counts["cards"] += 1
            if page is None or page.form != truth["form"]:
                scores.wrong.append(f"{label}: page missing or form wrong")
                errors.append(float("inf"))
                continue
            fields = {f.key: f for f in session.exec(select(Field).where(Field.page_id == page.id))}
            link = (codes.get(page.member_id or 0), page.contact_no)
            score_page(scores, truth, fields, label=label, link=link, card_code=page.card_code)
            counts["identity"] += link == (truth["member_code"], truth["contact_no"])
            counts["code"] += bool(truth["card_code"]) and page.card_code == truth["card_code"]
            counts["marks"] += "aligned_by_marks" in (page.notes or [])
            boxes = {k: f.bbox for k, f in fields.items() if f.bbox}
            raw = (page.source_width or 0, page.source_height or 0)
            err = cell_error_mm(boxes, cells_of(item), page.transform or [], raw, item)
            errors.append(err)
            counts["aligned"] += err <= ALIGN_MM
    engine.dispose()
    return scores, counts, errors


def side_by_side(*runs: Scores) -> list[str]:
    """Per kind: exact rate, share not marked for review and its accuracy, for each run."""
    head = " | ".join(f"{'exact':>9} {'unmarked':>9} {'right':>9}" for _ in runs)
    lines = [f"{'kind':<10} {'fields':>6} | {head}"]
    names = [*FIELD_KINDS, "manner*", "signed*", "all"]
    for name in names:
        cells = []
        total = 0
        for scores in runs:
            if name == "all":
                s = scores.overall()
            elif name.endswith("*"):
                s = scores.written_rows.get(name[:-1], KindScore())
            else:
                s = scores.kinds.get(name, KindScore())
            total = max(total, s.total)
            cells.append(f"{rate(s.right, s.total)} {rate(s.unmarked, s.total):>9} "
                         f"{rate(s.unmarked_right, s.unmarked)}")
        if total:
            lines.append(f"{name:<10} {total:>6} | " + " | ".join(cells))
    lines.append("(* on written record rows only)")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None, help="default: a fresh one ≥ 10000")
    parser.add_argument("--members", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, default=None, help="keep scans and data here")
    parser.add_argument("--wrong", type=int, default=20, help="list this many wrong fields")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(10_000, 2**31)
    root = args.keep or Path(tempfile.mkdtemp(prefix="cardscan-printed-"))
    rng = random.Random(seed)
    people = {m.code: m for m in roster(rng, args.members)}
    contacts = {code: contacts_of(rng, m) for code, m in people.items()}
    visits = {f"{code}/{c.no}": visits_of(rng, YEAR) for code in people for c in contacts[code]}
    t0 = time.perf_counter()

    base = root / "data-base"
    shutil.rmtree(root / "data-base", ignore_errors=True)
    base.mkdir(parents=True)
    write_roster(root / "roster.csv", sorted(people.values(), key=lambda m: m.code))
    cardscan(base, "roster", "import", str(root / "roster.csv"), "--year", str(YEAR))
    cardscan(base, "print", "registration", "--year", str(YEAR), "--output",
             str(root / "forms-r.pdf"))
    forms_r = fill_forms_r(root / "forms-r.pdf", people, contacts, seed)
    r_where = write_files(root / "scans-r", forms_r, seed)
    run_ingest(root / "scans-r", base, args.workers)
    _, r_counts, _ = score(base, r_where, lambda i: layout_cells(registration(), i.sheet_dpi))
    forms, corrected = confirm_forms_r(base, {c.truth["member_code"]: c.truth for c in forms_r})
    print(f"seed={seed}: {forms} forms R printed, filled, ingested "
          f"(codes {r_counts['code']}/{forms}, aligned by marks {r_counts['marks']}/{forms}, "
          f"cells aligned {r_counts['aligned']}/{forms}), confirmed ({corrected} fields fixed)")

    runs = ("printed", "stripped", "uncoded")
    for name in runs:
        shutil.rmtree(root / f"data-{name}", ignore_errors=True)
        shutil.copytree(base, root / f"data-{name}")
    cardscan(root / "data-printed", "print", "cards", "--year", str(YEAR), "--output",
             str(root / "cards.pdf"))
    printed, stripped = fill_printed_cards(root / "cards.pdf", people, contacts, visits, seed)
    plain = fill_uncoded_twins(printed, people, contacts, visits, seed)
    print(f"{len(printed)} cards printed, filled and scanned (and their twins) "
          f"in {time.perf_counter() - t0:.0f} s")

    layout = lambda i: layout_cells(service_card(), i.sheet_dpi)  # noqa: E731
    # The generator's year cell is the blank only; the grid path boxes label and year together.
    no_year = lambda i: {k: v for k, v in i.sheet.cells.items() if k != "year"}  # noqa: E731
    no_year_layout = lambda i: {k: v for k, v in layout(i).items() if k != "year"}  # noqa: E731
    results = {}
    for name, items, cells_of in (("printed", printed, layout),
                                  ("stripped", stripped, no_year_layout),
                                  ("uncoded", plain, no_year)):
        where = write_files(root / f"scans-{name}", items, seed)
        elapsed, _peak, code = run_ingest(root / f"scans-{name}", root / f"data-{name}",
                                          args.workers)
        results[name] = (*score(root / f"data-{name}", where, cells_of), elapsed)
        print(f"ingested {len(items)} {name} cards in {elapsed:.0f} s "
              f"({60 * len(items) / elapsed:.1f} pages/min, exit {code})")

    print()
    for name, (_scores, counts, errors, _elapsed) in results.items():
        finite = sorted(e for e in errors if e != float("inf"))
        n = counts["cards"]
        print(f"{name}: identity right {counts['identity']}/{n} "
              f"({rate(counts['identity'], n).strip()}), cells aligned ≤ {ALIGN_MM} mm "
              f"{counts['aligned']}/{n} ({rate(counts['aligned'], n).strip()}), "
              f"codes read {counts['code']}/{n}, aligned by marks {counts['marks']}/{n}; "
              f"cell error median {finite[len(finite) // 2] if finite else float('nan'):.2f} mm, "
              f"max {max(errors):.2f} mm")
    print("\nfields: printed (marks, code) | the same sheets without marks and code (grid path, "
          "names) | the generator's uncoded cards with the same visits")
    for line in side_by_side(results["printed"][0], results["stripped"][0], results["uncoded"][0]):
        print(line)
    for name in runs:
        wrong = results[name][0].wrong
        print(f"\n{name}: {len(wrong)} wrong fields" + (", first ones:" if wrong else ""))
        for line in wrong[: args.wrong]:
            print("  !", line)
    summary = {name: {"identity": c["identity"], "aligned": c["aligned"], "cards": c["cards"]}
               for name, (_, c, _, _) in results.items()}
    (root / "summary.json").write_text(json.dumps({"seed": seed, **summary}) + "\n")
    print(f"\nscans and data kept in {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
