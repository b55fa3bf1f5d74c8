"""Values a reviewer types, checked and normalized by the same parsers as OCR reads, and
the refusals of review actions (each with a message in Chinese and in English)."""

from __future__ import annotations

from forms.spec import S_MANNER_VALUES
from forms.vocabulary import COMMITTEES, SECTORS
from ocr.parse import parse_date, parse_phone, parse_year, snap_vocabulary

MAX_LENGTH = {"name": 20, "text": 500}


# --- refusals ------------------------------------------------------------------------------


class ReviewError(Exception):
    """A review action refused, with a message for the reviewer and one in English."""

    code = "review_refused"
    status = 409  # the HTTP status the API answers with

    def __init__(self, message: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message = message
        self.message_en = message_en


class InvalidValue(ReviewError, ValueError):
    """A value that does not fit its field (or a link to nobody); the input must change."""

    code = "invalid_value"
    status = 422  # the HTTP status the API answers with


class UnknownField(ReviewError):
    """A field key that the page's form does not have."""

    code = "unknown_field"
    status = 404  # the HTTP status the API answers with


class TransitionRefused(ReviewError):
    """The page's status does not allow this action (reopen it first, or it failed)."""

    code = "invalid_transition"
    status = 409  # the HTTP status the API answers with


class StaleWrite(ReviewError):
    """The change was made on an older version of the page than the stored one."""

    code = "stale_write"
    status = 409  # the HTTP status the API answers with

    def __init__(self, expected: int | None = None) -> None:
        super().__init__(
            "此卡片已被他人修改，请刷新后再改。",
            f"The page changed since version {expected}; reload it and redo the change.",
        )


# --- values ------------------------------------------------------------------------------


def normalize_value(
    kind: str, value: object, *, year: int | None = None
) -> str | int | bool | None:
    """A person's value for a field of ``kind`` in the form OCR values are stored in.

    ``None`` or blank text clears the field; ``year`` is the card's, for `5月3日` dates.
    Raises `InvalidValue` with what to write instead.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if kind == "signed":
        if isinstance(value, bool):
            return value
        raise InvalidValue(
            "签名一栏只能填“有”或“无”（true/false）。", "signed must be true or false."
        )
    if kind == "year":
        parsed = parse_year(str(value)) if isinstance(value, int | str) else None
        if isinstance(value, bool) or parsed is None or not parsed.valid:
            raise InvalidValue("年度应为 2000–2099 之间的年份。", "year must be 2000–2099.")
        return parsed.value
    if not isinstance(value, str):
        raise InvalidValue("请填写文字。", f"a {kind} field takes text.")
    text = value.strip()
    if kind == "manner":
        if text not in S_MANNER_VALUES:
            raise InvalidValue(
                "方式只能是走访、电话或其他（visit/phone/other）。",
                "manner must be visit, phone, other or null.",
            )
        return text
    if kind == "date":
        return _date(text, year)
    if kind == "phone":
        phone = parse_phone(text)
        if not phone.valid:
            raise InvalidValue(
                "电话应为 11 位手机号或 0523 开头的固话（如 0523-84812345）。",
                "phone must be an 11-digit mobile or a 0523 landline (0523-84812345).",
            )
        return phone.value
    if kind in ("sector", "committee"):
        table = SECTORS if kind == "sector" else COMMITTEES
        snapped = snap_vocabulary(text, table)
        if not snapped.valid or snapped.similarity < 1.0:
            what = "界别" if kind == "sector" else "政协工委"
            raise InvalidValue(
                f"请填写{what}名单中的名称或其简称。",
                f"{kind} must be a name or alias from the vocabulary.",
            )
        return snapped.value
    limit = MAX_LENGTH.get(kind, MAX_LENGTH["text"])
    if len(text) > limit:
        raise InvalidValue(f"内容过长（最多 {limit} 字）。", f"at most {limit} characters.")
    return text


def _date(text: str, year: int | None) -> str:
    parsed = parse_date(text, year=year)
    if parsed.valid and parsed.similarity == 1.0 and isinstance(parsed.value, str):
        return parsed.value
    if parsed.note == "date_outside_year":
        raise InvalidValue(
            f"日期不在卡片的年度（{year}年）内；如年度有误，请先更正年度。",
            f"the date is not in the card's year {year}; correct the year first if it is wrong.",
        )
    if parsed.note == "no_year":
        raise InvalidValue(
            "卡片没有年度，请填写完整日期（如 2026-05-03）。",
            "the card has no year: write the full date (2026-05-03).",
        )
    raise InvalidValue(
        "不是有效日期，请按 2026-05-03 的格式填写。", "not a valid date; write it as 2026-05-03."
    )


# --- actions on a page -------------------------------------------------------------------
