"""The assessment rules on hand-built records: visits, deadlines, contacts, duplicates, review."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from records.assessment_rules import (
    AssessmentRules,
    RulesError,
    default_rules,
    load_rules,
    rules_as_json,
)
from records.tally import (
    CardState,
    MemberStatus,
    MemberTally,
    YearTally,
    compute_tally,
    masked,
)
from records.tally_records import (
    ContactRecord,
    MemberRecord,
    PageRecord,
    RowRecord,
    YearRecords,
)

YEAR = 2026
ON_TIME = date(YEAR, 11, 20)
REG_ON_TIME = date(YEAR, 4, 1)
RULES = default_rules(YEAR)


class Book:
    """Records of one year built by hand: a member, their form R, their cards."""

    def __init__(self) -> None:
        self.members: list[MemberRecord] = []
        self.contacts: list[ContactRecord] = []
        self.pages: list[PageRecord] = []
        self.next_page = 100

    def member(
        self,
        code: str = "JJ0001",
        *,
        contacts: int = 5,
        sector: str = "民革",
        committee: str = "新桥镇",
        standing: bool = False,
        registration: date | None = REG_ON_TIME,
        registration_confirmed: bool = True,
    ) -> int:
        member_id = len(self.members) + 1
        self.members.append(
            MemberRecord(member_id, code, f"委员{member_id}", sector, committee, standing)
        )
        if registration is not None:
            self.page(
                member_id, "registration", received=registration, confirmed=registration_confirmed
            )
        if registration_confirmed:
            for no in range(1, contacts + 1):
                self.contacts.append(ContactRecord(member_id, no, f"联系人{no}", "13912345678"))
        return member_id

    def page(
        self,
        member_id: int,
        form: str,
        *,
        received: date = ON_TIME,
        confirmed: bool = True,
        contact_no: int | None = None,
        rows: tuple[RowRecord, ...] = (),
    ) -> int:
        self.next_page += 1
        self.pages.append(
            PageRecord(self.next_page, member_id, form, confirmed, received, contact_no, rows)
        )
        return self.next_page

    def card(
        self,
        member_id: int,
        contact_no: int | None,
        visits: int | list[date] = 3,
        *,
        manners: tuple[str, ...] = (),
        received: date = ON_TIME,
        confirmed: bool = True,
    ) -> int:
        dates = (
            visits if isinstance(visits, list) else [date(YEAR, 2 + i, 10) for i in range(visits)]
        )
        rows = [RowRecord(i, d, "visit") for i, d in enumerate(dates, start=1)]
        rows += [
            RowRecord(len(rows) + i, date(YEAR, 9, i), m) for i, m in enumerate(manners, start=1)
        ]
        return self.page(
            member_id,
            "service_card",
            received=received,
            confirmed=confirmed,
            contact_no=contact_no,
            rows=tuple(rows) if confirmed else (),
        )

    def cards(self, member_id: int, contacts: int = 5, visits: int = 3) -> None:
        for no in range(1, contacts + 1):
            self.card(member_id, no, visits)

    def tally(self, rules: AssessmentRules = RULES, committee: str | None = None) -> YearTally:
        records = YearRecords(YEAR, tuple(self.members), tuple(self.contacts), tuple(self.pages))
        return compute_tally(records, rules, committee=committee)

    def one(self, rules: AssessmentRules = RULES) -> MemberTally:
        tally = self.tally(rules)
        assert len(tally.members) == 1
        return tally.members[0]


def test_five_contacts_three_visits_each_on_time_is_met() -> None:
    book = Book()
    m = book.member()
    book.cards(m)
    member = book.one()
    assert member.status == MemberStatus.met and member.status.label == "达标"
    assert member.reasons == () and member.shortfalls == ()
    assert member.contacts_registered == 5 and member.contacts_met == 5
    assert member.total_visits == 15
    assert member.cards_in == 5 and member.cards_missing == 0


def test_visit_on_31_december_counts_and_next_year_does_not() -> None:
    book = Book()
    m = book.member()
    book.cards(m, contacts=4)
    book.card(m, 5, [date(YEAR, 3, 1), date(YEAR, 6, 1), date(YEAR, 12, 31)])
    assert book.one().contact(5).visits == 3  # type: ignore[union-attr]
    assert book.one().status == MemberStatus.met

    book = Book()
    m = book.member()
    book.cards(m, contacts=4)
    book.card(m, 5, [date(YEAR, 3, 1), date(YEAR, 6, 1), date(YEAR + 1, 1, 2)])
    member = book.one()
    contact = member.contact(5)
    assert contact is not None and contact.visits == 2 and contact.uncounted_rows == 1
    assert member.status == MemberStatus.not_met
    assert member.reasons == ("联系对象 5 上门走访仅 2 次",)


def test_card_received_1_december_is_late_and_30_november_is_not() -> None:
    book = Book()
    m = book.member()
    book.cards(m, contacts=4)
    book.card(m, 5, received=date(YEAR, 11, 30))
    assert book.one().status == MemberStatus.met
    assert book.one().contact(5).late is False  # type: ignore[union-attr]

    book = Book()
    m = book.member()
    book.cards(m, contacts=4)
    book.card(m, 5, received=date(YEAR, 12, 1))
    member = book.one()
    assert member.contact(5).late is True  # type: ignore[union-attr]
    assert member.status == MemberStatus.not_met
    assert member.reasons == ("联系对象 5 服务卡逾期（12月1日收到）",)
    # A year whose rules do not fail late cards still reports lateness, without failing.
    lenient = AssessmentRules(year=YEAR, late_card_fails=False)
    member = book.one(lenient)
    assert member.status == MemberStatus.met and member.contact(5).late  # type: ignore[union-attr]


def test_four_contacts_is_not_met() -> None:
    book = Book()
    m = book.member(contacts=4)
    book.cards(m, contacts=4, visits=5)
    member = book.one()
    assert member.status == MemberStatus.not_met
    assert member.reasons == ("仅登记 4 名联系对象",)
    assert member.contacts_met == 4


def test_contact_with_no_visits_and_a_missing_card() -> None:
    book = Book()
    m = book.member(contacts=6)
    book.cards(m, contacts=4)
    book.card(m, 5, 0, manners=("phone", "phone", "other"))
    member = book.one()
    five, six = member.contact(5), member.contact(6)
    assert five is not None and six is not None
    assert (five.visits, five.phone_calls, five.other, five.meets_visits) == (0, 2, 1, False)
    assert six.state == CardState.missing and six.state.label == "未收到"
    assert member.status == MemberStatus.not_met
    assert member.reasons == ("联系对象 5 上门走访仅 0 次", "联系对象 6 服务卡未收到")
    assert (member.cards_in, member.cards_missing, member.cards_in_review) == (5, 1, 0)


def test_duplicate_card_is_flagged_and_not_counted_twice() -> None:
    book = Book()
    m = book.member()
    book.cards(m)
    first = book.pages[-1].page_id
    again = book.card(m, 5, 3, received=date(YEAR, 11, 25))
    member = book.one()
    five = member.contact(5)
    assert five is not None
    assert five.visits == 3 and five.counted_page_id == first
    assert five.duplicate_page_ids == (again,)
    assert member.duplicate_page_ids == (again,)
    assert member.total_visits == 15
    assert member.status == MemberStatus.met
    assert any("重复" in note for note in member.notes)
    assert again in member.page_ids


def test_card_in_review_makes_the_member_pending_not_failing() -> None:
    book = Book()
    m = book.member()
    book.cards(m, contacts=4, visits=1)  # would fail on visits
    review = book.card(m, 5, confirmed=False)
    member = book.one()
    assert member.status == MemberStatus.pending and member.status.label == "待审核"
    assert member.reasons == ("联系对象 5 服务卡审核中",)
    assert "联系对象 1 上门走访仅 1 次" in member.shortfalls
    five = member.contact(5)
    assert five is not None and five.state == CardState.in_review
    assert five.in_review_page_ids == (review,) and five.visits == 0
    assert member.cards_in_review == 1


def test_registration_in_review_is_pending_and_late_registration_fails() -> None:
    book = Book()
    m = book.member(registration_confirmed=False)
    book.cards(m)
    member = book.one()
    assert member.status == MemberStatus.pending
    assert member.reasons == ("登记表审核中",)

    book = Book()
    m = book.member(registration=date(YEAR, 4, 20))
    book.cards(m)
    member = book.one()
    assert member.registration_late is True
    assert member.status == MemberStatus.not_met
    assert member.reasons == ("登记表逾期（4月20日收到）",)

    book = Book()
    m = book.member(registration=date(YEAR, 4, 15))
    book.cards(m)
    assert book.one().status == MemberStatus.met


def test_no_registration_and_unassigned_cards() -> None:
    book = Book()
    m = book.member(registration=None, registration_confirmed=False)
    book.card(m, 1)
    book.card(m, None)  # confirmed without a contact: reported, not counted
    member = book.one()
    assert member.status == MemberStatus.not_met
    assert member.reasons[:2] == ("登记表未收到", "仅登记 0 名联系对象")
    one = member.contact(1)
    assert one is not None and one.registered is False and one.visits == 3
    assert len(member.unassigned_page_ids) == 1
    assert any("未关联联系对象" in n for n in member.notes)


def test_groups_standing_committee_months_and_filter() -> None:
    book = Book()
    a = book.member("JJ0001", sector="民革", committee="新桥镇", standing=True)
    b = book.member("JJ0002", sector="民盟", committee="新桥镇", contacts=4)
    c = book.member("JJ0003", sector="民革", committee="东兴镇")
    for m in (a, b, c):
        book.cards(m, contacts=5 if m != b else 4)
    book.card(c, 5, confirmed=False)  # c's fifth card is a second one, in review
    tally = book.tally()
    by_sector = {g.key: g for g in tally.by_sector}
    assert [g.key for g in tally.by_sector] == ["民革", "民盟"]  # vocabulary order
    revo = by_sector["民革"]
    assert (revo.members, revo.met, revo.pending) == (2, 1, 1)
    by_committee = {g.key: g for g in tally.by_committee}
    assert by_committee["新桥镇"].not_met == 1 and by_committee["新桥镇"].met == 1
    assert tally.standing.member_ids == (a,) and tally.standing.met == 1
    assert tally.overall.members == 3 and tally.overall.total_visits == 42
    # visits on the 10th of Feb, Mar, Apr of every card
    assert tally.visits_by_month[1:4] == (14, 14, 14) and sum(tally.visits_by_month) == 42
    only = book.tally(committee="东兴镇")
    assert [m.member_id for m in only.members] == [c] and only.committee == "东兴镇"


def test_masked_hides_contact_phones() -> None:
    book = Book()
    m = book.member()
    book.cards(m)
    plain = book.tally()
    hidden = masked(plain)
    assert plain.members[0].contacts[0].phone == "13912345678"
    assert hidden.members[0].contacts[0].phone == "139****5678"
    assert hidden.members[0].contacts[0].name == "联系人1"


def test_rules_from_a_year_file(tmp_path: Path) -> None:
    (tmp_path / "2027.json").write_text(
        json.dumps(
            {
                "version": "2027-a",
                "min_contacts": 6,
                "registration_deadline": "04-30",
                "card_deadline": "2027-12-05",
                "late_card_fails": False,
            }
        ),
        encoding="utf-8",
    )
    rules = load_rules(2027, rules_dir=tmp_path)
    assert rules.version == "2027-a" and rules.source == "2027.json"
    assert rules.min_contacts == 6 and rules.min_visits_per_contact == 3
    assert rules.registration_due == date(2027, 4, 30)
    assert rules.card_due == date(2027, 12, 5)
    assert rules_as_json(rules)["card_deadline"] == "2027-12-05"
    default = load_rules(2026, rules_dir=tmp_path)
    assert default.version == "policy-2014" and default.card_due == date(2026, 11, 30)
    (tmp_path / "2028.json").write_text('{"min_visits": 2}', encoding="utf-8")
    with pytest.raises(RulesError, match="min_visits"):
        load_rules(2028, rules_dir=tmp_path)
    (tmp_path / "2029.json").write_text('{"card_deadline": "13-40"}', encoding="utf-8")
    with pytest.raises(RulesError, match=r"2029\.json"):
        load_rules(2029, rules_dir=tmp_path)


def test_json_export_has_the_api_shape() -> None:
    from records.tally_export import tally_csv, tally_json
    from records.tally_public import YearTallyPublic

    book = Book()
    m = book.member(standing=True)
    book.cards(m, contacts=4)
    tally = book.tally()
    assert YearTallyPublic.model_validate_json(tally_json(tally)) == YearTallyPublic.of(tally)
    lines = tally_csv(tally, "missing").splitlines()
    assert lines[0].startswith("\ufeff政协工委,委员编号")
    assert lines[1].split(",")[:4] == ["新桥镇", "JJ0001", "委员1", "5"]
