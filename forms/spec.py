"""Field keys, printed labels and titles of forms R and S (FORMS.md)."""

from __future__ import annotations

from typing import Final, Literal

FormKind = Literal["registration", "service_card", "blank", "unknown"]
FORM_KINDS: Final[tuple[str, ...]] = ("registration", "service_card", "blank", "unknown")

# --- Form R: registration table, A4 portrait --------------------------------
R_TITLE: Final = "靖江市政协委员联系界别群众登记表"
R_SECTION_MEMBER: Final = "委员（特邀委员）基本情况"
R_SECTION_CONTACTS: Final = "联系群众基本情况"
R_MEMBER_LABELS: Final = (("姓    名", "界    别"), ("联系方式", "政协工委"))
R_MEMBER_KEYS: Final = (("member_name", "sector"), ("member_phone", "committee"))
R_CONTACT_HEADERS: Final = ("序号", "姓名", "联系方式", "工作单位或住址")
R_CONTACT_ROWS: Final = 6
R_NOTES: Final = (
    "注：1.填表对象为全体政协委员（特邀委员）。",
    "2.请于3月底前确定联系对象，并将服务卡送至联系对象。",
    "3.此表请于4月15日前报送市政协办公室。",
)

# --- Form S: service card, A5 landscape --------------------------------------
S_TITLE: Final = "靖江市政协委员（特邀委员）联系群众服务卡"
S_YEAR_LABEL: Final = "年度："
S_HEADER_LABELS: Final = (("委员姓名", "界别", "联系电话"), ("联系对象", "联系电话", "政协工委"))
S_HEADER_KEYS: Final = (
    ("member_name", "sector", "member_phone"),
    ("contact_name", "contact_phone", "committee"),
)
S_RECORD_TITLE: Final = "联系服务记录"
S_RECORD_HEADERS: Final = ("序号", "日期", "方式", "联系服务内容", "联系对象签名")
S_MANNER_BOXES: Final = ("走访", "电话", "其他")
S_MANNER_VALUES: Final = ("visit", "phone", "other")
S_RECORD_ROWS: Final = 8
S_FOOTER: Final = (
    "注：每次联系服务活动由联系对象如实记载，并于11月底前寄送市政协办公室"
    "或所在镇（街道、园区、办事处）政协工委。"
)
S_ROW_FIELDS: Final = ("date", "manner", "content", "signed")
R_CONTACT_FIELDS: Final = ("name", "phone", "address")


def service_card_keys() -> list[str]:
    """All field keys of a service card, in reading order (`rows.3.date` style)."""
    keys = ["year"]
    for row in S_HEADER_KEYS:
        keys.extend(row)
    for i in range(1, S_RECORD_ROWS + 1):
        keys.extend(f"rows.{i}.{f}" for f in S_ROW_FIELDS)
    return keys


def registration_keys() -> list[str]:
    """All field keys of a registration table, in reading order (`contacts.2.phone` style)."""
    keys: list[str] = []
    for row in R_MEMBER_KEYS:
        keys.extend(row)
    for i in range(1, R_CONTACT_ROWS + 1):
        keys.extend(f"contacts.{i}.{f}" for f in R_CONTACT_FIELDS)
    return keys


def field_keys(form: str) -> list[str]:
    """Field keys a page of this form carries (none for blank or unknown pages)."""
    if form == "service_card":
        return service_card_keys()
    if form == "registration":
        return registration_keys()
    return []


FIELD_KINDS: Final[tuple[str, ...]] = (
    "year", "name", "sector", "committee", "phone", "date", "manner", "text", "signed"
)
"""What a blank holds; recognizers, confidence thresholds and reports work per kind."""
_KIND_BY_NAME: Final[dict[str, str]] = {
    "year": "year",
    "member_name": "name",
    "contact_name": "name",
    "name": "name",
    "sector": "sector",
    "committee": "committee",
    "member_phone": "phone",
    "contact_phone": "phone",
    "phone": "phone",
    "date": "date",
    "manner": "manner",
    "content": "text",
    "address": "text",
    "signed": "signed",
}


def field_kind(key: str) -> str:
    """The kind of a field key: `rows.3.date` → `date`, `contacts.2.name` → `name`."""
    return _KIND_BY_NAME[key.rsplit(".", 1)[-1]]


def review_class(key: str) -> str:
    """The class whose calibrated threshold and doubt a field is judged by: its kind, but
    `contact_name` for the contacts form R names (`contacts.2.name`). A card's names snap to
    the roster and the registered contacts; form R is where contacts are first named, so
    its names are read against no closed set and are right less often at the same score."""
    kind = field_kind(key)
    return "contact_name" if kind == "name" and key.startswith("contacts.") else kind


def row_of(key: str) -> tuple[str, int] | None:
    """(`rows`|`contacts`, number) for a row field key, None for a header field."""
    parts = key.split(".")
    return (parts[0], int(parts[1])) if len(parts) == 3 else None
