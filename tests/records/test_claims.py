"""Claims and page versions in the database: concurrent sessions, lapsed claims, and an
older database that gains the new columns."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from records import accounts
from records.accounts import Role, User
from records.claims import (
    CLAIM_LIFETIME,
    ClaimConflict,
    claim_page,
    current_claim,
    next_page_to_review,
)
from records.db import init_db, make_engine
from records.duplicates import SAME_CARD_NOTE
from records.models import Field, Member, Page, PageStatus, utcnow
from records.review import StaleWrite, confirm_page, correct_field
from tests.records.linking_data import Scans, add_roster, service_card


@pytest.fixture
def engine(database_url: str) -> Engine:
    engine = make_engine(database_url)
    init_db(engine)
    return engine


def setup(engine: Engine) -> tuple[int, User, User]:
    with Session(engine) as session:
        page = Scans(session).page("service_card", {**service_card(), "rows.1.date": "5.8"})
        users = [
            accounts.add_user(
                session, name=name, role=Role.reviewer, committee=None, password_hash="x"
            )
            for name in ("甲", "乙")
        ]
        session.commit()
        assert page.id is not None
        first, second = (session.get_one(User, u.id) for u in users)
        return page.id, first, second


def test_of_two_sessions_changing_the_same_version_only_the_first_wins(engine: Engine) -> None:
    page_id, first, second = setup(engine)
    with Session(engine) as one, Session(engine) as two:
        page_one, page_two = one.get_one(Page, page_id), two.get_one(Page, page_id)
        assert page_one.version == page_two.version == 0
        correct_field(
            one, page=page_one, key="rows.1.date", value="5.3", user=first, expected_version=0
        )
        one.commit()
        with pytest.raises(StaleWrite):  # no If-Match, but what this session read is old
            confirm_page(two, page=page_two, user=second)
        two.rollback()
        with pytest.raises(StaleWrite):
            correct_field(
                two, page=page_two, key="rows.1.date", value="5.4", user=second, expected_version=0
            )
        two.rollback()
        two.refresh(page_two)
        assert page_two.version == 1
        confirm_page(two, page=page_two, user=second, expected_version=1)
        two.commit()
        assert page_two.version == 2


def test_a_claim_is_won_once_and_lapses(engine: Engine) -> None:
    page_id, first, second = setup(engine)
    with Session(engine) as one, Session(engine) as two:
        page_one, page_two = one.get_one(Page, page_id), two.get_one(Page, page_id)
        claim_page(one, page=page_one, user=first)
        one.commit()
        with pytest.raises(ClaimConflict) as refused:
            claim_page(two, page=page_two, user=second)  # its copy still looks unclaimed
        assert refused.value.holder.user_name == "甲"
        assert "甲" in refused.value.message
        later = utcnow() + CLAIM_LIFETIME + timedelta(seconds=1)
        assert current_claim(two, page=page_two, now=later) is None
        assert claim_page(two, page=page_two, user=second, now=later).user_name == "乙"
        assert page_two.version == 0  # claims are not changes


def test_an_older_database_gains_the_new_page_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    init_db(make_engine(f"sqlite:///{path}"))
    with sqlite3.connect(path) as db:  # the page table as it was before versions and claims
        (ddl,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'page'").fetchone()
        lines = [
            line
            for line in ddl.splitlines()
            if not any(c in line for c in ("version", "claimed_by", "claimed_at"))
        ]
        old = re.sub(r",\s*\)$", "\n)", "\n".join(lines))
        # ... and no migration stamp: a database made by create_all before migrations.
        db.executescript(f"DROP TABLE page; {old}; DROP TABLE alembic_version;")
    engine = make_engine(f"sqlite:///{path}")
    init_db(engine)
    names = {c["name"] for c in inspect(engine).get_columns("page")}
    assert {"version", "claimed_by", "claimed_at"} <= names
    with Session(engine) as session:
        page = Scans(session).page("service_card", service_card())
        session.commit()
        session.refresh(page)
        assert (page.version, page.claimed_by) == (0, None)


def test_the_next_page_is_one_that_needs_a_person_worst_first(engine: Engine) -> None:
    """Pages with nothing left to check are confirmed from the queue all at once: the next
    page after a confirmation is never one of them."""
    with Session(engine) as session:
        add_roster(session)
        member = session.exec(select(Member)).first()
        assert member is not None
        scans = Scans(session)
        cells = {**service_card(), "rows.1.date": "5.8", "rows.2.date": "6.1"}
        pages = {name: scans.page("service_card", cells) for name in "ABCDE"}
        uncertain = {"A": 1, "B": 2}  # B has the most fields to check, then A
        for name, page in pages.items():
            page.member_id, page.contact_no = member.id, 1
            fields = session.exec(select(Field).where(Field.page_id == page.id)).all()
            for at, field in enumerate(fields):
                field.needs_review = at < uncertain.get(name, 0)
        pages["C"].contact_no = None  # not linked to a contact
        pages["D"].notes = [f"{SAME_CARD_NOTE} page 1"]  # maybe a re-scan
        pages["F"] = scans.page("unknown", {})  # no form of ours found: a person decides
        pages["G"] = scans.page("blank", {})  # rejected from the queue with the checked ones
        user = accounts.add_user(
            session, name="甲", role=Role.reviewer, committee=None, password_hash="x"
        )
        session.commit()
        ids = {name: page.id for name, page in pages.items()}
        seen, after = [], None
        while (found := next_page_to_review(session, user=user, after=after)) is not None:
            seen.append(found)
            for field in session.exec(select(Field).where(Field.page_id == found)):
                field.needs_review = False  # what the reviewer checked on the page
            page = session.get_one(Page, found)
            page.contact_no, page.notes, page.status = 1, [], PageStatus.confirmed
            session.commit()
            after = found
        # As the queue orders them: waiting for a person (C, F) before a possible re-scan (D).
        assert seen == [ids[name] for name in "BACFD"]  # E and G are left for the queue
