"""Random but plausible content of the forms: roster, contacts, visits and how people write them.

Everything takes a `random.Random` so that a batch is reproducible from its seed.
Values are the normalized truth; the `*_raw` helpers give the text a person writes.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from forms.vocabulary import COMMITTEES, SECTORS

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫")
GIVEN_CHARS = (
    "建国华明军伟芳娟敏静丽强磊洋艳勇杰涛超秀英霞平刚桂兰玉珍志红斌鹏辉宇浩凯健俊峰海林春梅"
    "文杰晨雪琴云燕飞波宁德永胜利新民荣祥福贵庆东亮成彬"
    "晓莉萍婷琳颖佳慧欣怡子轩梓涵雨泽"
)
ROADS = (
    "人民路", "江平路", "骥江路", "中洲路", "阳光大道", "迎宾路", "孤山路", "滨江大道", "江阴路",
)
VILLAGES = ("新丰村", "团结村", "长安村", "红光村", "八圩村", "联中村", "南郊村", "永兴村")
COMPANIES = (
    "靖江市{}机械有限公司",
    "江苏{}船舶重工有限公司",
    "靖江{}食品有限公司",
    "靖江市{}中学",
    "靖江市{}小学",
    "{}社区卫生服务中心",
    "靖江{}建设工程有限公司",
    "{}农业专业合作社",
)
COMPANY_WORDS = ("新世纪", "华东", "永泰", "长江", "东方", "恒信", "江城", "宏达", "金港", "惠民")
CONTENT_TEXTS: dict[str, tuple[str, ...]] = {
    "visit": (
        "走访慰问，了解企业用工情况",
        "上门走访，听取意见建议",
        "了解家庭生活情况",
        "走访企业，了解生产经营困难",
        "宣传惠民政策",
        "了解村里道路建设情况",
        "春节走访慰问",
        "听取对教育工作的意见",
        "了解就医看病难问题",
        "走访了解农业合作社发展",
        "帮助协调贷款事宜",
        "了解老旧小区改造诉求",
        "反映停车难问题",
        "送医送药上门",
    ),
    "phone": (
        "电话问候",
        "电话了解近况",
        "电话沟通社保办理事宜",
        "电话告知政策变化",
        "询问企业复工情况",
        "电话联系，反映环境问题",
    ),
    "other": (
        "微信交流意见",
        "参加座谈会",
        "在委员活动室接待",
        "短信联系",
        "一起参加调研活动",
        "视频通话了解情况",
    ),
}
CN_DIGITS = "〇一二三四五六七八九"
DATE_STYLES = ("dot", "dash", "slash", "cn", "md_cn", "md_dot", "short_dot", "cn_numerals")
DATE_STYLE_WEIGHTS = (22, 12, 12, 22, 14, 8, 6, 4)
MOBILE_PREFIXES = ("139", "138", "137", "136", "135", "150", "151", "152", "158", "159", "180",
                   "181", "187", "188", "189", "133", "153", "177", "199")
MANNER_WEIGHTS = {"visit": 6, "phone": 3, "other": 1}


@dataclass(frozen=True)
class Member:
    """One CPPCC member as the roster lists them (values normalized)."""

    code: str
    name: str
    sector: str
    committee: str
    phone: str
    standing: bool


@dataclass(frozen=True)
class Contact:
    """One citizen a member registered on form R (`no` is the row 1–6)."""

    no: int
    name: str
    phone: str
    address: str


@dataclass(frozen=True)
class Visit:
    """One written record row of a service card."""

    date: dt.date
    manner: str
    content: str
    signed: bool


def person_name(rng: random.Random) -> str:
    """A Chinese name: 2–3 characters, occasionally 4 (compound surname)."""
    if rng.random() < 0.04:
        return rng.choice(COMPOUND_SURNAMES) + "".join(rng.choices(GIVEN_CHARS, k=2))
    given = rng.choices(GIVEN_CHARS, k=1 if rng.random() < 0.3 else 2)
    return rng.choice(SURNAMES) + "".join(given)


def mobile_phone(rng: random.Random) -> str:
    prefix = rng.choice(MOBILE_PREFIXES)
    return prefix + "".join(rng.choices("0123456789", k=8))


def landline_phone(rng: random.Random) -> str:
    """A Jingjiang landline, normalized with its area code (`0523-84812345`)."""
    return "0523-8" + rng.choice("4567") + "".join(rng.choices("0123456789", k=6))


def any_phone(rng: random.Random, landline_share: float = 0.2) -> str:
    return landline_phone(rng) if rng.random() < landline_share else mobile_phone(rng)


def address(rng: random.Random, committee: str) -> str:
    """A work unit or a home address in the member's town."""
    town = committee if committee.endswith(("镇", "街道")) else "靖城街道"
    kind = rng.random()
    if kind < 0.4:
        return rng.choice(COMPANIES).format(rng.choice(COMPANY_WORDS))
    if kind < 0.7 and town != "靖城街道":
        return f"{town}{rng.choice(VILLAGES)}{rng.randint(1, 18)}组"
    return f"靖江市{rng.choice(ROADS)}{rng.randint(1, 399)}号"


def roster(rng: random.Random, members: int) -> list[Member]:
    """The members of the batch, with distinct codes like `JJ0123`."""
    codes = rng.sample(range(1, 400), members)
    sectors = list(SECTORS)
    committees = list(COMMITTEES)
    return [
        Member(
            code=f"JJ{code:04d}",
            name=person_name(rng),
            sector=rng.choice(sectors),
            committee=rng.choice(committees),
            phone=any_phone(rng, 0.15),
            standing=rng.random() < 0.2,
        )
        for code in codes
    ]


def contacts_of(rng: random.Random, member: Member) -> list[Contact]:
    """The 5 or 6 contacts a member registers."""
    count = 6 if rng.random() < 0.6 else 5
    return [
        Contact(no=i, name=person_name(rng), phone=any_phone(rng),
                address=address(rng, member.committee))
        for i in range(1, count + 1)
    ]


def visits_of(rng: random.Random, year: int) -> list[Visit]:
    """3–8 record rows in date order, between January and the November deadline."""
    count = rng.choice((3, 3, 4, 4, 4, 5, 5, 6, 7, 8))
    start = dt.date(year, 1, 5).toordinal()
    end = dt.date(year, 11, 28).toordinal()
    days = sorted(rng.sample(range(start, end), count))
    manners = list(MANNER_WEIGHTS)
    weights = list(MANNER_WEIGHTS.values())
    visits = []
    for day in days:
        manner = rng.choices(manners, weights)[0]
        visits.append(
            Visit(
                date=dt.date.fromordinal(day),
                manner=manner,
                content=rng.choice(CONTENT_TEXTS[manner]),
                signed=rng.random() < 0.93,
            )
        )
    return visits


def _cn_number(n: int) -> str:
    """Chinese numerals for a month or day (1–31): 三, 十, 十一, 二十三, 三十."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    head = "" if tens == 1 else CN_DIGITS[tens]
    return head + "十" + (CN_DIGITS[ones] if ones else "")


def date_raw(date: dt.date, style: str) -> str:
    """A date as someone writes it, in one of the FORMS.md styles."""
    y, m, d = date.year, date.month, date.day
    match style:
        case "dot":
            return f"{y}.{m}.{d}"
        case "dash":
            return f"{y}-{m:02d}-{d:02d}"
        case "slash":
            return f"{y}/{m}/{d}"
        case "cn":
            return f"{y}年{m}月{d}日"
        case "md_cn":
            return f"{m}月{d}日"
        case "md_dot":
            return f"{m}.{d}"
        case "short_dot":
            return f"{y % 100:02d}.{m}.{d}"
        case "cn_numerals":
            year = "".join(CN_DIGITS[int(c)] for c in str(y))
            return f"{year}年{_cn_number(m)}月{_cn_number(d)}日"
    raise ValueError(f"unknown date style {style!r}")


def pick_date_style(rng: random.Random) -> str:
    return rng.choices(DATE_STYLES, DATE_STYLE_WEIGHTS)[0]


def phone_raw(phone: str, rng: random.Random) -> str:
    """How a normalized phone is written: mobiles grouped or not, landlines with or without 0523."""
    if phone.startswith("0523-"):
        return phone if rng.random() < 0.5 else phone[5:]
    if rng.random() < 0.25:
        return f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    return phone


def vocabulary_raw(canonical: str, table: dict[str, tuple[str, ...]], rng: random.Random) -> str:
    """The canonical name or, about a third of the time, one of its aliases."""
    aliases = table[canonical]
    if aliases and rng.random() < 0.35:
        return rng.choice(aliases)
    return canonical


def sector_raw(sector: str, rng: random.Random) -> str:
    return vocabulary_raw(sector, SECTORS, rng)


def committee_raw(committee: str, rng: random.Random) -> str:
    return vocabulary_raw(committee, COMMITTEES, rng)
