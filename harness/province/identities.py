"""Sandbox identities: synthetic people with valid GB 11643 numbers and Chinese names.

Nobody here is real: the number is composed by `resident_id.build` from a Shanxi county code, a
birth date and a sequence number that no other sandbox identity of this run uses, and the name is
drawn from common characters. The pinyin of the name is kept so that an ID-card image can still
show it on a machine without a CJK font.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from harness.spec import resident_id
from harness.spec.resident_id import SHANXI_REGION_CODES
from harness.spec.sandbox import SandboxIdentity

MIN_AGE, MAX_AGE = 18, 50  # ages of identities drawn without a requested birth date
EARLIEST_BIRTH = dt.date(1900, 1, 1)


def _pairs(text: str) -> tuple[tuple[str, str], ...]:
    """Parse "字:zi 字:zi ..." into (character, pinyin) pairs."""
    return tuple((char, pinyin) for char, pinyin in (pair.split(":") for pair in text.split()))


# (character, pinyin): common surnames, and given-name characters by the sex they are usual for.
SURNAMES = _pairs(
    "王:Wang 李:Li 张:Zhang 刘:Liu 陈:Chen 杨:Yang 赵:Zhao 黄:Huang 周:Zhou 吴:Wu 徐:Xu"
    " 孙:Sun 胡:Hu 朱:Zhu 高:Gao 林:Lin 何:He 郭:Guo 马:Ma 罗:Luo 梁:Liang 宋:Song 郑:Zheng"
    " 谢:Xie 韩:Han 唐:Tang 冯:Feng 董:Dong 程:Cheng 曹:Cao 袁:Yuan 邓:Deng 许:Xu 傅:Fu"
    " 薛:Xue 闫:Yan 武:Wu 霍:Huo 贾:Jia 乔:Qiao 段:Duan 史:Shi 范:Fan 卫:Wei 阎:Yan"
)
GIVEN_M = _pairs(
    "伟:wei 强:qiang 磊:lei 军:jun 勇:yong 杰:jie 涛:tao 斌:bin 超:chao 明:ming 刚:gang"
    " 平:ping 辉:hui 鹏:peng 华:hua 飞:fei 鑫:xin 波:bo 宁:ning 建:jian 国:guo 志:zhi"
    " 海:hai 峰:feng 文:wen 晋:jin 山:shan 东:dong 亮:liang 俊:jun"
)
GIVEN_F = _pairs(
    "芳:fang 娜:na 敏:min 静:jing 丽:li 艳:yan 娟:juan 霞:xia 燕:yan 玲:ling 婷:ting"
    " 雪:xue 慧:hui 莹:ying 倩:qian 琳:lin 颖:ying 洁:jie 红:hong 梅:mei 兰:lan 晶:jing"
    " 欣:xin 悦:yue 佳:jia 月:yue 萍:ping 瑶:yao 文:wen 宁:ning"
)


class IdentitySpaceExhausted(RuntimeError):
    """Every sequence number for that region, birth date and sex is taken."""


class InvalidIdentityRequest(ValueError):
    """The requested region code or birth date cannot make a valid number; says which."""


@dataclass(frozen=True)
class DrawnIdentity:
    identity: SandboxIdentity
    name_pinyin: str


def synthetic_name(rng: random.Random, sex: str) -> tuple[str, str]:
    """A surname and a one- or two-character given name: (汉字, pinyin)."""
    surname, surname_py = rng.choice(SURNAMES)
    pool = GIVEN_M if sex == "M" else GIVEN_F
    given = [rng.choice(pool) for _ in range(rng.choice((1, 2, 2)))]
    name = surname + "".join(c for c, _ in given)
    pinyin = f"{surname_py} " + "".join(p for _, p in given).capitalize()
    return name, pinyin


def random_birth_date(rng: random.Random, today: dt.date) -> dt.date:
    """A birth date giving an age between MIN_AGE and MAX_AGE (inclusive) on `today`."""
    latest = _years_before(today, MIN_AGE)
    earliest = _years_before(today, MAX_AGE + 1) + dt.timedelta(days=1)
    return earliest + dt.timedelta(days=rng.randrange((latest - earliest).days + 1))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)


def draw_identity(
    rng: random.Random,
    today: dt.date,
    is_taken: Callable[[str], bool],
    *,
    birth_date: dt.date | None = None,
    region_code: str | None = None,
    sex: str | None = None,
    name: tuple[str, str] | None = None,
) -> DrawnIdentity:
    """A fresh identity honouring what was asked; `is_taken(number)` guards uniqueness.

    Raises InvalidIdentityRequest for an impossible request and IdentitySpaceExhausted when the
    requested region, birth date and sex have no free sequence number left.
    """
    if birth_date is not None and not (EARLIEST_BIRTH <= birth_date <= today):
        raise InvalidIdentityRequest("Birth date must be between 1900-01-01 and today")
    if region_code is not None:
        try:
            resident_id.parse(resident_id.build(region_code, dt.date(1990, 1, 1), 1))
        except (resident_id.InvalidResidentId, ValueError):
            raise InvalidIdentityRequest("Region code is not a GB/T 2260 county code") from None
    for _ in range(50):  # redraw birth date, region and sex when their sequence space is full
        born = birth_date or random_birth_date(rng, today)
        region = region_code or rng.choice(SHANXI_REGION_CODES)
        person_sex = sex or rng.choice("MF")
        first = 1 if person_sex == "M" else 2  # odd sequence numbers for men, even for women
        sequences = range(first, 1000, 2)
        # candidates in an order drawn once: a few random picks, then every sequence number in
        # turn; the first free one wins, so that the same `rng` state gives the same number, and
        # on a collision the next candidate, never another draw (a seeded request repeats)
        picks = rng.sample(sequences, 8)
        candidates = (resident_id.build(region, born, seq) for seq in [*picks, *sequences])
        number = next((n for n in candidates if not is_taken(n)), None)
        if number is not None:
            name_zh, pinyin = name or synthetic_name(rng, person_sex)
            identity = SandboxIdentity(
                id_number=number, name=name_zh, birth_date=born, region_code=region, sex=person_sex
            )
            return DrawnIdentity(identity, pinyin)
        if birth_date and region_code and sex:
            break
    raise IdentitySpaceExhausted("No sequence number left for that region, birth date and sex")
