"""Writes the roster fixtures beside this file; run once with `.venv/bin/python <this file>`.

Names and numbers are made up (138 0000 00xx mobiles, 8481 00xx landlines).
"""

from __future__ import annotations

import struct
from datetime import datetime
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
HEADER = "委员编号,姓名,界别,政协工委,联系电话,是否常委"


def write_csv(name: str, lines: list[str], encoding: str) -> None:
    (HERE / name).write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


def write_xlsx(name: str, sheets: dict[str, list[list[object]]], merge: str | None = None) -> None:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    if merge:
        workbook.worksheets[-1].merge_cells(merge)
    workbook.properties.created = workbook.properties.modified = datetime(2026, 1, 5, 9, 0)
    workbook.save(HERE / name)


def legacy_xls() -> bytes:
    """A minimal OLE2 compound file with a `Workbook` stream holding BIFF8 BOF and EOF records."""
    free, end, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    stream = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0, 1997, 0, 6)
    stream = (stream + struct.pack("<HH", 0x000A, 0)).ljust(4096, b"\0")
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
    # version 3.62, little-endian, 512-byte sectors; 1 FAT sector (0), directory at sector 1
    fields = (0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
    header += struct.pack("<HHHHH6xIIIIIIIII", *fields)
    header += struct.pack("<109I", 0, *([free] * 108))
    fat = [fat_sector, end, *range(3, 10), end]
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat).ljust(512, b"\xff")

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\0").encode("utf-16-le") if name else b""
        return (
            encoded.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(encoded), kind, 1, no_stream, no_stream, child)
            + bytes(36)
            + struct.pack("<IQ", start, size)
        )

    directory = (
        entry("Root Entry", 5, 1, end, 0)
        + entry("Workbook", 2, no_stream, 2, len(stream))
        + entry("", 0, no_stream, 0, 0) * 2
    )
    return header + fat_bytes + directory + stream


def main() -> None:
    write_csv(
        "roster-utf8-bom.csv",
        [
            HEADER,
            "JJ0001,张三,民革,新桥镇,13800000001,是",
            "jj0002 ,李  四,中国民主同盟,靖城,0523-84810002,否",
            "JJ0003,王五,九三学社界,江阴—靖江工业园区,138 0000 0003,",
            "JJ0004,赵六,,,,N",
            ",,,,,",
            "JJ0005,钱七,特邀,市政协,84810005,√",
        ],
        "utf-8-sig",
    )
    write_csv(
        "roster-gbk.csv",
        [
            "编号,委员姓名,所属界别,所属工委,手机,常委",
            "JJ0101,孙八,经济,季市,13800000101,Y",
            "JJ0102,周九,医卫界,生祠镇政协工委,13800000102,no",
            "",
            "JJ0103,吴十,无党派,滨江,无,1",
        ],
        "gbk",
    )
    write_csv(
        "roster-bad-rows.csv",
        [
            HEADER,
            "JJ0201,郑一,民进,东兴镇,13800000201,否",  # 2: good
            ",冯二,民进,东兴镇,13800000202,否",  # 3: missing_code
            "JJ0203,,民进,东兴镇,13800000203,否",  # 4: missing_name
            "JJ0201,陈三,民进,东兴镇,13800000204,否",  # 5: duplicate_code of row 2
            "JJ0205,褚四,民进,东兴镇,1380000020,否",  # 6: bad_phone, row kept
            "JJ0206,卫五,火星界,东兴镇,13800000206,否",  # 7: unknown_sector, row kept
            "JJ0207,蒋六,民进,月球镇,13800000207,否",  # 8: unknown_committee, row kept
            "JJ0208,沈七,民进,东兴镇,13800000208,也许",  # 9: bad_standing, row kept
            "JJ 0209|X,韩八,民进,东兴镇,13800000209,否",  # 10: bad_code
            ",,,,,",  # 11: blank, skipped silently
            "JJ0211,杨九,民进,东兴镇,13800000211,是",  # 12: good
        ],
        "utf-8",
    )
    write_csv(
        "roster-missing-name-column.csv",
        ["委员编号,界别,政协工委,联系电话,是否常委", "JJ0301,民革,新桥镇,13800000301,是"],
        "utf-8",
    )
    write_csv(
        "roster-unicode-text.txt",  # Excel's "Unicode 文本" save: UTF-16 with BOM, tab-separated
        ["委员编号\t姓名\t联系电话", "JJ0401\t朱一\t13800000401", "JJ0402\t秦二\t84810402"],
        "utf-16",
    )
    write_xlsx(
        "roster-title-row.xlsx",
        {
            "说明": [["请在下一页填写委员名单"], ["编号规则：JJ + 四位数字"]],
            "名单": [
                ["2026年政协委员名单"],
                [],
                [" 委员编号 ", "姓名", "界别", "政协工委", "联系电话（手机）", "是否常委"],
                ["JJ0501", "尤一", "农工", "孤山", 13800000501, "是"],
                [502, "许二", "教育", "马桥镇", 13800000502.0, 0],
                ["JJ0503", "何三", "科技", "城南", 52384810503, True],
                [None, None, None, None, None, None],
                ["JJ0504", "吕四", "体育界", "西来镇", "84810504", None],
            ],
        },
        merge="A1:F1",
    )
    write_xlsx(
        "not-a-roster.xlsx",
        {"走访统计": [["2026年走访统计"], ["委员", "走访次数", "电话次数"], ["张三", 3, 1]]},
    )
    (HERE / "roster-legacy-xls-renamed.txt").write_bytes(legacy_xls())


if __name__ == "__main__":
    main()
