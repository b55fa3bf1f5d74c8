"""The calibrated doubt that orders a reviewer's fields, and the tables it is read from."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.calibrate import doubt_table, threshold_for
from forms.spec import review_class
from ocr.confidence import CALIBRATION_FILE, doubt, doubt_tables, needs_review, thresholds

TABLES = {
    "date": [(0.5, 0.9), (0.9, 0.3), (0.99, 0.05)],
    "text": [(0.95, 0.3), (0.995, 0.1)],
}


def test_doubt_is_the_share_of_the_kinds_bin_and_compares_across_kinds() -> None:
    assert doubt("date", 0.2, tables=TABLES) == 0.9
    assert doubt("date", 0.5, tables=TABLES) == 0.3  # bins are [lower, upper)
    assert doubt("date", 0.98, tables=TABLES) == 0.05
    assert doubt("date", 0.999, tables=TABLES) == 0.05  # above the last bin: its share
    # A text read at 0.94 is likelier wrong than a date read at 0.95: it comes first.
    assert doubt("text", 0.94, tables=TABLES) > doubt("date", 0.95, tables=TABLES)
    assert doubt("phone", 0.25, tables=TABLES) == 0.75  # no table: 1 - confidence


def test_the_table_never_grows_with_confidence_and_ends_at_the_threshold() -> None:
    # Wrong reads mostly at low confidence, one stray wrong read higher up.
    samples = [(i / 100, i >= 20) for i in range(100)] + [(0.91, False)] + [(0.99, True)] * 10
    rows = doubt_table(samples, 0.95, per_bin=10)
    uppers = [u for u, _ in rows]
    shares = [w for _, w in rows]
    assert uppers == sorted(uppers) and uppers[-1] == 0.95
    assert shares == sorted(shares, reverse=True)  # pooled until monotone
    assert shares[0] == 1.0 and shares[-1] < 0.2
    assert doubt_table([(0.99, True)], 0.95) == []  # nothing sent to a person


def test_the_shipped_calibration_has_a_table_under_each_threshold() -> None:
    data = json.loads(Path(CALIBRATION_FILE).read_text(encoding="utf-8"))
    tables, limits = doubt_tables(), thresholds()
    assert set(tables) <= set(limits) and data["seeds"]
    for kind, rows in tables.items():
        assert rows[-1][0] == limits[kind]
        assert [w for _, w in rows] == sorted((w for _, w in rows), reverse=True)
        assert all(needs_review(kind, u - 1e-6) for u, _ in rows)


def test_the_threshold_keeps_precision_and_shows_a_person_most_wrong_reads() -> None:
    # 200 right reads from 0.80 up, and wrong ones at 0.30, 0.40, 0.50 and one at 0.9705.
    samples = [(0.8 + i / 1000, True) for i in range(200)]
    samples += [(0.3, False), (0.4, False), (0.5, False), (0.9705, False)]
    # One wrong read in 201 kept passes a 0.995 precision, so it alone sets no threshold…
    assert threshold_for(samples, 0.995, 0.1) == 0.8
    # …but it is a quarter of the wrong reads: showing nine in ten moves the threshold past it.
    assert threshold_for(samples, 0.995, 0.1, recall=0.9) > 0.9705
    assert threshold_for(samples, 0.995, 0.1, recall=0.7) == 0.8  # three in four are shown
    assert threshold_for([(0.9, True)] * 5, 0.99, 0.5, recall=0.9) == 0.9  # no wrong read
    # With many wrong reads to learn from, the precision alone decides.
    many = [(0.5 + i / 1000, True) for i in range(500)] + [(0.3, False)] * 30 + [(0.9995, False)]
    assert threshold_for(many, 0.99, 0.1, recall=0.9) == threshold_for(many, 0.99, 0.1) < 0.6


def test_form_r_contact_names_are_judged_apart_from_the_names_that_snap() -> None:
    assert review_class("contacts.2.name") == "contact_name"
    assert review_class("contact_name") == "name"  # a card's contact: snaps to form R's
    assert review_class("member_name") == "name"
    assert review_class("contacts.2.address") == "text"
    assert review_class("rows.3.content") == "text"
    assert review_class("contacts.2.phone") == "phone"
    assert "contact_name" in thresholds() and "name" in thresholds()


def test_reads_of_one_confidence_are_kept_or_sent_together() -> None:
    # A wrong read tied with a right one at 0.97: no threshold can keep one and not the other.
    samples = [(0.99, True)] * 50 + [(0.97, True), (0.97, False)] + [(0.9, False)] * 9
    assert threshold_for(samples, 0.99, 0.5, recall=0.9) == 0.99
