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

# --- the work queue, batches and the field grid ------------------------------------------

FILE_STATUS_LABELS: Final = {
    "ingested": "已导入",
    "duplicate": "重复",
    "failed": "失败",
    "resumed": "续传",
}
FILE_ERROR_LABELS: Final = {
    "not_found": "找不到文件，请检查路径。",
    "empty_file": "文件是空的，请重新扫描或复制。",
    "file_too_large": "文件过大，请拆成较小的文件再上传。",
    "unsupported_type": "格式不支持，请存为 PDF、JPEG、PNG 或 TIFF。",
    "corrupt_pdf": "PDF 已损坏，请重新导出或扫描。",
    "encrypted_pdf": "PDF 设有密码，请去掉密码（打印成新的 PDF）后再上传。",
    "too_many_pages": "PDF 页数过多，请拆成较小的文件再上传。",
    "no_pages": "文件中没有可读的页面。",
    "image_decode_error": "图像已损坏或不完整，请重新扫描或复制。",
    "too_many_pixels": "图像过大，请以 300 DPI 或更低的分辨率重新扫描。",
    "render_error": "页面无法转成图像，请重新导出或扫描该 PDF。",
    "analysis_error": "页面无法分析，已标为失败，请在复核页面查看。",
    "ingest_error": "文件无法读取，请重新扫描或复制。",
}
DUPLICATE_FILE_NOTE: Final = "与已导入的文件内容相同，未重复导入。"
FIELD_KIND_LABELS: Final = {
    "date": "日期",
    "manner": "方式",
    "signed": "签名",
    "phone": "电话",
    "name": "姓名",
    "year": "年度",
    "sector": "界别",
    "committee": "政协工委",
    "text": "文字（内容、地址）",
}
MANNER_LABELS: Final = {"visit": "走访", "phone": "电话", "other": "其他"}
SIGNED_LABELS: Final = {True: "有", False: "无"}
FIELD_NAME_LABELS: Final = {
    "year": "年度",
    "member_name": "委员姓名",
    "sector": "界别",
    "member_phone": "委员电话",
    "committee": "政协工委",
    "contact_name": "联系对象",
    "contact_phone": "联系对象电话",
    "date": "日期",
    "manner": "方式",
    "content": "内容",
    "signed": "签名",
    "name": "姓名",
    "phone": "电话",
    "address": "地址",
}


def field_key_label(key: str) -> str:
    """`rows.3.date` → `第3行 日期`, `contacts.2.phone` → `联系人2 电话`, `sector` → `界别`."""
    parts = key.split(".")
    name = label(FIELD_NAME_LABELS, parts[-1])
    if len(parts) == 3:
        where = f"第{parts[1]}行" if parts[0] == "rows" else f"联系人{parts[1]}"
        return f"{where} {name}"
    return name


# --- the document page -------------------------------------------------------------------

LINK_SOURCE_LABELS: Final = {"code": "二维码", "handwriting": "笔迹匹配", "reviewer": "审核员"}
FIELD_NOTE_LABELS: Final = {
    "corrected": "已人工更正",
    "by_words": "识别不清的字已按常用词补正，请核对",
    "from_code": "来自二维码",
    "from_code_unverified": "按二维码填入，与卡片笔迹不符",
    "code_not_read": "印有二维码但无法识别，请核对身份",
    "weak_match": "名单中无相近姓名",
    "no_candidates": "无可比对的名单",
    "no_match": "名单中无此名称",
    "ambiguous": "名单中有同名或相近者",
    "not_snapped": "尚未与名单比对",
    "disagrees_with_registration": "与登记表不一致",
    "agrees_with_record": "与名单一致",
    "snapped_to_roster": "已按名单更正一两位数字",
    "differs_from_record": "与名单不一致",
    "empty": "空白",
    "blank_row": "空行",
    "no_mark": "未勾选",
    "two_marks": "勾选了多项",
    "boxes_not_found": "未找到方框",
    "invalid_date": "日期无效",
    "date_outside_year": "日期不在卡片年度内",
    "no_year": "缺少年份",
    "no_digits": "没有数字",
    "phone_bad_length": "电话位数不对",
    "mobile_bad_prefix": "手机号开头不对",
    "landline_bad_prefix": "固话开头不对",
    "landline_not_jingjiang": "非靖江固话",
    "year_bad_length": "年份位数不对",
    "year_out_of_range": "年份超出范围",
}
