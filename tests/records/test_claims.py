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
from sqlmodel import Session

from records import accounts
from records.accounts import Role, User
from records.claims import CLAIM_LIFETIME, ClaimConflict, claim_page, current_claim
from records.db import init_db, make_engine
from records.models import Page, utcnow
from records.review import StaleWrite, confirm_page, correct_field
from tests.records.linking_data import Scans, service_card


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
