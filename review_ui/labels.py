"""Chinese labels for the codes stored in the database (the UI translates, the data does not)."""

from __future__ import annotations

from typing import Final

FORM_LABELS: Final = {
    "registration": "登记表",
    "service_card": "服务卡",
    "blank": "空白页",
    "unknown": "未识别",
}
PAGE_STATUS_LABELS: Final = {
    "needs_review": "待复核",
    "confirmed": "已确认",
    "rejected": "已退回",
    "duplicate": "重复",
    "failed": "失败",
}
BATCH_STATUS_LABELS: Final = {"running": "进行中", "done": "已完成", "interrupted": "已中断"}


def label(table: dict[str, str], code: object) -> str:
    """The Chinese label of a code, or the code itself when it has none yet."""
    text = str(code)
    return table.get(text, text)


ROLE_LABELS: Final = {
    "clerk": "录入员",
    "reviewer": "审核员",
    "office": "办公室",
    "admin": "管理员",
}
