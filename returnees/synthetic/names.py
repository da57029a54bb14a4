"""Chinese personal names: surname frequencies, given-name pools and romanisation.

Everything here is reference data plus vectorised drawing; the per-source messing up of
names lives in :mod:`returnees.synthetic.quirks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import opencc
from pypinyin import Style, lazy_pinyin

from returnees.synthetic.reference import words

# (surname, share of the population in per cent, passport spelling).
# Shares follow the national ranking, with Chongqing's own frequent names (冉 谭 向 但 母
# 牟 税) nudged up; heteronym surnames carry the reading used on passports.
SURNAMES: tuple[tuple[str, float, str], ...] = (
    ("王", 7.12, "WANG"),
    ("李", 7.19, "LI"),
    ("张", 6.38, "ZHANG"),
    ("刘", 5.33, "LIU"),
    ("陈", 4.61, "CHEN"),
    ("杨", 3.10, "YANG"),
    ("黄", 2.33, "HUANG"),
    ("赵", 2.01, "ZHAO"),
    ("吴", 1.93, "WU"),
    ("周", 1.90, "ZHOU"),
    ("徐", 1.52, "XU"),
    ("孙", 1.46, "SUN"),
    ("马", 1.32, "MA"),
    ("朱", 1.27, "ZHU"),
    ("胡", 1.22, "HU"),
    ("郭", 1.15, "GUO"),
    ("何", 1.14, "HE"),
    ("林", 1.05, "LIN"),
    ("高", 1.05, "GAO"),
    ("罗", 0.98, "LUO"),
    ("郑", 0.82, "ZHENG"),
    ("梁", 0.78, "LIANG"),
    ("谢", 0.73, "XIE"),
    ("宋", 0.61, "SONG"),
    ("唐", 0.70, "TANG"),
    ("许", 0.59, "XU"),
    ("韩", 0.57, "HAN"),
    ("冯", 0.56, "FENG"),
    ("邓", 0.60, "DENG"),
    ("曹", 0.54, "CAO"),
    ("彭", 0.55, "PENG"),
    ("曾", 0.50, "ZENG"),
    ("肖", 0.48, "XIAO"),
    ("田", 0.47, "TIAN"),
    ("董", 0.46, "DONG"),
    ("袁", 0.45, "YUAN"),
    ("潘", 0.43, "PAN"),
    ("于", 0.42, "YU"),
    ("蒋", 0.42, "JIANG"),
    ("蔡", 0.41, "CAI"),
    ("余", 0.40, "YU"),
    ("杜", 0.40, "DU"),
    ("叶", 0.39, "YE"),
    ("程", 0.39, "CHENG"),
    ("苏", 0.37, "SU"),
    ("魏", 0.37, "WEI"),
    ("吕", 0.36, "LYU"),
    ("丁", 0.35, "DING"),
    ("任", 0.35, "REN"),
    ("沈", 0.34, "SHEN"),
    ("姚", 0.33, "YAO"),
    ("卢", 0.33, "LU"),
    ("姜", 0.32, "JIANG"),
    ("崔", 0.31, "CUI"),
    ("钟", 0.30, "ZHONG"),
    ("谭", 0.45, "TAN"),
    ("陆", 0.29, "LU"),
    ("汪", 0.28, "WANG"),
    ("范", 0.28, "FAN"),
    ("金", 0.27, "JIN"),
    ("石", 0.27, "SHI"),
    ("廖", 0.26, "LIAO"),
    ("贾", 0.26, "JIA"),
    ("夏", 0.25, "XIA"),
    ("韦", 0.25, "WEI"),
    ("付", 0.25, "FU"),
    ("方", 0.24, "FANG"),
    ("白", 0.24, "BAI"),
    ("邹", 0.24, "ZOU"),
    ("孟", 0.23, "MENG"),
    ("熊", 0.23, "XIONG"),
    ("秦", 0.22, "QIN"),
    ("邱", 0.22, "QIU"),
    ("江", 0.21, "JIANG"),
    ("尹", 0.21, "YIN"),
    ("薛", 0.20, "XUE"),
    ("闫", 0.20, "YAN"),
    ("段", 0.19, "DUAN"),
    ("雷", 0.19, "LEI"),
    ("侯", 0.19, "HOU"),
    ("龙", 0.18, "LONG"),
    ("史", 0.18, "SHI"),
    ("陶", 0.17, "TAO"),
    ("黎", 0.17, "LI"),
    ("贺", 0.16, "HE"),
    ("顾", 0.16, "GU"),
    ("毛", 0.16, "MAO"),
    ("郝", 0.15, "HAO"),
    ("龚", 0.15, "GONG"),
    ("邵", 0.15, "SHAO"),
    ("万", 0.14, "WAN"),
    ("钱", 0.14, "QIAN"),
    ("严", 0.13, "YAN"),
    ("覃", 0.13, "QIN"),
    ("武", 0.13, "WU"),
    ("戴", 0.13, "DAI"),
    ("莫", 0.12, "MO"),
    ("孔", 0.12, "KONG"),
    ("向", 0.16, "XIANG"),
    ("汤", 0.11, "TANG"),
    ("冉", 0.10, "RAN"),
    ("牟", 0.05, "MOU"),
    ("但", 0.03, "DAN"),
    ("母", 0.03, "MU"),
    ("税", 0.02, "SHUI"),
    ("单", 0.05, "SHAN"),
    ("解", 0.04, "XIE"),
    ("区", 0.02, "OU"),
    ("查", 0.03, "ZHA"),
    ("仇", 0.03, "QIU"),
    ("朴", 0.03, "PIAO"),
    ("欧阳", 0.05, "OUYANG"),
    ("司马", 0.01, "SIMA"),
    ("诸葛", 0.01, "ZHUGE"),
    ("上官", 0.01, "SHANGGUAN"),
    ("令狐", 0.01, "LINGHU"),
    ("皇甫", 0.005, "HUANGFU"),
)

# Hong Kong (Cantonese) and Taiwan (Wade-Giles) passport spellings of common surnames.
HK_SPELLING: dict[str, str] = {
    "陈": "CHAN",
    "张": "CHEUNG",
    "黄": "WONG",
    "王": "WONG",
    "吴": "NG",
    "刘": "LAU",
    "李": "LEE",
    "林": "LAM",
    "何": "HO",
    "周": "CHOW",
    "郑": "CHENG",
    "杨": "YEUNG",
    "梁": "LEUNG",
    "谢": "TSE",
    "邓": "TANG",
    "胡": "WU",
    "许": "HUI",
    "朱": "CHU",
    "罗": "LAW",
    "曾": "TSANG",
    "郭": "KWOK",
    "叶": "YIP",
    "冯": "FUNG",
    "潘": "POON",
    "蔡": "CHOI",
    "区": "AU",
    "钟": "CHUNG",
    "徐": "TSUI",
    "赵": "CHIU",
    "孙": "SUEN",
}
TW_SPELLING: dict[str, str] = {
    "陈": "CHEN",
    "张": "CHANG",
    "黄": "HUANG",
    "李": "LEE",
    "许": "HSU",
    "徐": "HSU",
    "谢": "HSIEH",
    "周": "CHOU",
    "郑": "CHENG",
    "蔡": "TSAI",
    "曾": "TSENG",
    "赵": "CHAO",
    "邱": "CHIU",
    "江": "CHIANG",
    "蒋": "CHIANG",
    "钟": "CHUNG",
    "肖": "HSIAO",
    "郭": "KUO",
    "高": "KAO",
    "邓": "TENG",
    "叶": "YEH",
    "吴": "WU",
    "刘": "LIU",
    "杨": "YANG",
    "林": "LIN",
}

# Whole given names that many people share, most common first (Zipf-weighted).
COMMON_MALE = words(
    "伟 强 磊 军 勇 杰 涛 明 超 刚 平 辉 鹏 华 飞 鑫 波 斌 宇 浩 凯 健 俊 "
    "帆 帅 旭 宁 龙 林 阳 建华 建国 建军 志强 志明 海涛 海峰 俊杰 浩然 子轩 "
    "宇轩 文博 晓东 小龙 国强 永刚"
)
COMMON_FEMALE = words(
    "芳 娜 敏 静 丽 艳 娟 霞 燕 玲 丹 婷 雪 琳 晶 红 颖 倩 慧 莉 秀英 桂英 "
    "秀兰 玉兰 丽娟 海燕 晓燕 婷婷 欣怡 梓涵 雨涵 思琪 佳怡 丽华 晓丽 秀珍 春梅 "
    "雪梅 小红 玉梅"
)
# Characters that two-character given names are composed from.
CHARS_FIRST = "晓小子思雨佳一心宇嘉志文建国海永俊明春德天家新泽雅梓语诗欣可书若"
CHARS_MALE = (
    "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林阳峰亮成博武东江晨洋毅锋彬"
    "坤振翔皓然轩泽睿逸航铭哲瑞豪诚天祥勋智辰煜昊洪兵立清荣德松柏川山涵宏远鸣庆海"
)
CHARS_FEMALE = (
    "芳娜敏静丽艳娟霞燕玲丹婷雪琳晶红颖倩慧莉萍梅蓉琴云洁璐露瑶怡欣悦宁欢月妍彤雯梦诗雨涵"
    "馨蕾茜婧菲薇岚琪秀英兰珍凤华春桂淑美玉晓佳琦蕊媛瑾璇嫣楠萱"
)
# Rare characters seen in names: the first group is GBK-encodable, the second is not.
RARE_GBK = "堃喆淼垚犇赟昇祎珺玥翀旻燊甦"
RARE_NON_GBK = "䶮㛃𬌗𬭚𫖯𬘬𬍤𬀩𬶋㑇"

# Minority names written with a separator between the personal and the father's name.
UYGHUR_MALE = words("买买提 艾力 艾尔肯 阿不都热合曼 吐尔逊 努尔买买提 依明 阿里木 亚森 伊力哈木 库尔班")
UYGHUR_FEMALE = words("阿依古丽 古丽娜尔 热依拉 迪丽努尔 帕提古丽 阿依努尔 努尔古丽 米热古丽 再努尔")
UYGHUR_FATHER = words("买买提 艾力 吐尔逊 阿不都拉 依明 亚森 热合曼 库尔班 阿吉 司马义 托合提 肉孜")
TIBETAN = words("扎西 次仁 格桑 尼玛 达瓦 索朗 多吉 卓玛 央金 德吉 拉姆 顿珠 平措 白玛")

# One-character typos a respondent makes when typing a name (homophones, look-alikes).
TYPO = dict(
    zip(
        "伟娜丽静明杰军华芳敏磊涛婷琳晶红颖燕艳玲鹏辉浩宇杨洋峰斌欣怡涵轩俊凯刚平飞雪琪",
        "玮那莉婧铭洁君桦方民垒滔亭林菁虹莹艳燕琳朋晖皓雨扬阳锋彬鑫仪含宣骏恺钢萍菲雷琦",
        strict=True,
    )
)


@dataclass
class NameDraw:
    """Names drawn for a population, one entry per person (object arrays of str)."""

    surname: np.ndarray  # 张 / 欧阳; empty for minority names
    given: np.ndarray  # 三丰; the personal part for minority names
    full: np.ndarray  # 张三丰 / 阿依古丽·买买提 (canonical, simplified)
    latin_surname: np.ndarray  # ZHANG
    latin_given: np.ndarray  # SANFENG
    latin_given_hyphen: np.ndarray  # SAN-FENG
    surname_index: np.ndarray  # index into SURNAMES, -1 for minority names
    rare_non_gbk: np.ndarray  # bool: the given name holds a character GBK cannot encode


def _pinyin(text: str) -> list[str]:
    """Passport-style syllables (ü written YU) of a string."""
    return [s.replace("v", "yu").upper() for s in lazy_pinyin(text, style=Style.NORMAL)]


def _zipf(n: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    shares: np.ndarray = weights / weights.sum()
    return shares


def draw_surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Indexes into :data:`SURNAMES` drawn with their population shares."""
    shares = np.array([s[1] for s in SURNAMES])
    return rng.choice(len(SURNAMES), size=n, p=shares / shares.sum())


def _char_table() -> tuple[list[str], dict[str, int]]:
    chars: list[str] = []
    for text in (CHARS_FIRST, CHARS_MALE, CHARS_FEMALE, RARE_GBK, RARE_NON_GBK, *COMMON_MALE, *COMMON_FEMALE):
        for ch in text:
            if ch not in chars:
                chars.append(ch)
    return chars, {c: i for i, c in enumerate(chars)}


def _given_indices(
    rng: np.random.Generator, male: np.ndarray, index: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two char-index columns (second -1 for one-character names) and a rare flag."""
    n = male.size
    first = np.empty(n, dtype=np.int64)
    second = np.full(n, -1, dtype=np.int64)
    common = rng.random(n) < 0.22
    for is_male, pool in ((True, COMMON_MALE), (False, COMMON_FEMALE)):
        rows = np.flatnonzero(common & (male == is_male))
        pick = rng.choice(len(pool), size=rows.size, p=_zipf(len(pool), 0.7))
        firsts = np.array([index[pool[k][0]] for k in range(len(pool))])
        seconds = np.array([index[pool[k][1]] if len(pool[k]) > 1 else -1 for k in range(len(pool))])
        first[rows], second[rows] = firsts[pick], seconds[pick]
    composed = ~common
    sex_pool = {True: CHARS_MALE, False: CHARS_FEMALE}
    for is_male in (True, False):
        rows = np.flatnonzero(composed & (male == is_male))
        own = np.array([index[c] for c in sex_pool[is_male]])
        lead = np.array([index[c] for c in CHARS_FIRST])
        from_lead = rng.random(rows.size) < 0.35
        first[rows] = np.where(from_lead, rng.choice(lead, rows.size), rng.choice(own, rows.size))
        single = rng.random(rows.size) < 0.12
        second[rows] = np.where(single & ~from_lead, -1, rng.choice(own, rows.size))
    rare = rng.random(n) < 0.01
    rare_pool = np.array([index[c] for c in RARE_GBK + RARE_NON_GBK])
    rare_pick = rng.choice(rare_pool, size=n, p=_rare_weights())
    target_second = rare & (second >= 0)
    second[target_second] = rare_pick[target_second]
    first[rare & (second < 0)] = rare_pick[rare & (second < 0)]
    return first, second, rare


def _rare_weights() -> np.ndarray:
    weights = np.r_[np.full(len(RARE_GBK), 2.0), np.full(len(RARE_NON_GBK), 1.0)]
    shares: np.ndarray = weights / weights.sum()
    return shares


def _minority_names(
    rng: np.random.Generator, male: np.ndarray, tibetan: np.ndarray
) -> tuple[list[str], list[str], list[str]]:
    """(personal part, father's or second part, canonical full name) of minority persons."""
    given: list[str] = []
    father: list[str] = []
    full: list[str] = []
    for is_male, is_tibetan in zip(male, tibetan, strict=True):
        if is_tibetan:
            a, b = (str(x) for x in rng.choice(TIBETAN, size=2, replace=False))
            given.append(a)
            father.append(b)
            full.append(a + b)
        else:
            a = str(rng.choice(UYGHUR_MALE if is_male else UYGHUR_FEMALE))
            b = str(rng.choice(UYGHUR_FATHER))
            given.append(a)
            father.append(b)
            full.append(f"{a}·{b}")
    return given, father, full


def draw_names(rng: np.random.Generator, male: np.ndarray, minority: np.ndarray) -> NameDraw:
    """Draw surnames and given names so that common full names (王伟, 李娜) collide.

    ``minority`` is 0 for names with a Chinese surname, 1 for Uyghur names
    (阿依古丽·买买提) and 2 for Tibetan names (扎西顿珠).
    """
    n = male.size
    chars, index = _char_table()
    # A trailing "" so that index -1 (no second character) reads as empty.
    char_latin = np.array(["".join(_pinyin(c)) for c in chars] + [""], dtype=object)
    char_text = np.array([*chars, ""], dtype=object)
    surname_index = draw_surnames(rng, n)
    first, second, rare = _given_indices(rng, male, index)
    surname_text = np.array([s[0] for s in SURNAMES], dtype=object)[surname_index]
    surname_latin = np.array([s[2] for s in SURNAMES], dtype=object)[surname_index]
    given = char_text[first] + char_text[second]
    latin_first, latin_second = char_latin[first], char_latin[second]
    latin_given = latin_first + latin_second
    hyphen = np.where(second >= 0, latin_first + "-" + latin_second, latin_first)
    full = surname_text + given

    rows = np.flatnonzero(minority > 0)
    m_given, m_second, m_full = _minority_names(rng, male[rows], minority[rows] == 2)
    surname_text[rows] = ""
    given[rows] = m_given
    full[rows] = m_full
    # Passports put the father's name (Uyghur) or the second part (Tibetan) as surname.
    surname_latin[rows] = [latin_of(f) for f in m_second]
    latin_given[rows] = [latin_of(g) for g in m_given]
    hyphen[rows] = latin_given[rows]
    surname_index[rows] = -1
    rare &= minority == 0
    non_gbk = np.array([c in RARE_NON_GBK for c in chars] + [False])
    return NameDraw(
        surname=surname_text,
        given=given,
        full=full,
        latin_surname=surname_latin,
        latin_given=latin_given,
        latin_given_hyphen=hyphen,
        surname_index=surname_index,
        rare_non_gbk=rare & (non_gbk[first] | non_gbk[second]),
    )


def twin_given(rng: np.random.Generator, given: str, male: bool) -> str:
    """A sibling's given name: shares the first character when the name has two."""
    pool = CHARS_MALE if male else CHARS_FEMALE
    other = str(rng.choice(list(pool)))
    while other in given:
        other = str(rng.choice(list(pool)))
    return given[0] + other if len(given) == 2 else other


def latin_of(text: str) -> str:
    """Upper-case passport romanisation of a name or name part (SANFENG)."""
    return "".join(_pinyin(text))


def hyphenated_latin_of(text: str) -> str:
    """Given-name romanisation with syllables joined by hyphens (SAN-FENG)."""
    return "-".join(_pinyin(text))


# ---------------------------------------------------------------- Hong Kong, Macao, Taiwan spellings

# How a Hong Kong registry clerk spells a Jyutping initial and final (the Hong Kong Government
# Cantonese Romanisation); Macao's Portuguese-based spelling where it differs. Written for the
# generator on its own, so it does not share the linkage code's table.
# fmt: off
_HK_INITIAL = {"b": "P", "p": "P", "d": "T", "t": "T", "g": "K", "k": "K", "gw": "KW", "kw": "KW",
               "z": "CH", "c": "CH", "j": "Y"}
_HK_FINAL = {"aa": "A", "aai": "AI", "aau": "AU", "aam": "AAM", "aan": "AAN", "aang": "ANG", "aap": "AP",
             "aat": "AT", "aak": "AK", "oeng": "EUNG", "oek": "EUK", "eoi": "UI", "eon": "UN", "eot": "UT",
             "ou": "O", "yu": "U", "yun": "UEN", "yut": "UET", "ei": "EI", "i": "I"}
_MACAO_INITIAL = {"w": "V", "gw": "KU", "j": "I"}
_MACAO_FINAL = {"oeng": "EONG", "au": "AO", "ou": "OU", "eoi": "OI", "ing": "ENG", "iu": "IO", "ung": "ONG"}
# Surname readings a passport uses, and conventional spellings of common surnames.
_SURNAME_JYUTPING = {"曾": "zang1", "区": "au1", "单": "sin6", "解": "haai6", "查": "zaa1", "覃": "cam4"}
_HK_SURNAME = {"李": "LEE", "周": "CHOW", "罗": "LAW", "谢": "TSE", "曾": "TSANG", "徐": "TSUI", "蔡": "CHOI",
               "潘": "POON", "顾": "KOO", "孙": "SUEN", "叶": "YIP", "许": "HUI"}
_MACAO_SURNAME = {"黄": "VONG", "王": "VONG", "张": "CHEONG", "刘": "LAO", "李": "LEI", "周": "CHAO", "梁": "LEONG",
                  "杨": "IEONG", "苏": "SOU", "卢": "LOU", "徐": "CHOI", "许": "HOI", "区": "AO"}
# fmt: on


@cache
def _hong_kong_characters() -> opencc.OpenCC:
    return opencc.OpenCC("s2hk")


def _jyutping(text: str) -> list[str]:
    """Jyutping of a name, read in Hong Kong's traditional characters (达 is dai3, 達 daat6)."""
    import ToJyutping

    traditional = _hong_kong_characters().convert(text)
    return [j for _, reading in ToJyutping.get_jyutping_list(traditional) for j in (reading or "").split()]


def _cantonese_syllable(jyutping: str, macao: bool) -> str:
    syllable = jyutping.rstrip("0123456789")
    if syllable in ("m", "ng"):
        return syllable.upper()
    initial = next((i for i in ("gw", "kw", "ng", *"bpmfdtnlgkhwzcsj") if syllable.startswith(i)), "")
    final = syllable[len(initial) :]
    spelt_initial = (_MACAO_INITIAL.get(initial) if macao else None) or _HK_INITIAL.get(initial, initial.upper())
    spelt_final = (_MACAO_FINAL.get(final) if macao else None) or _HK_FINAL.get(final, final.upper())
    spelt_final = spelt_final.replace("AAM", "AM").replace("AAN", "AN")
    if initial == "j" and final.startswith(("i", "yu")):
        spelt_initial = "" if macao else "Y"
    if initial == "j" and final == "i" and not macao:
        return "YEE"
    if initial in ("z", "c") and final == "i":
        return "CHI"
    if initial == "s" and final == "i":
        return "SZE"
    return spelt_initial + spelt_final


def cantonese_of(surname: str, given: str, macao: bool) -> tuple[str, list[str]]:
    """(surname, given-name syllables) as a Hong Kong or Macao document spells them (陈大文 -> CHAN,
    [TAI, MAN]); an empty surname when a character has no Cantonese reading."""
    conventional = (_MACAO_SURNAME if macao else {}).get(surname) or _HK_SURNAME.get(surname)
    readings = [_SURNAME_JYUTPING[surname]] if surname in _SURNAME_JYUTPING else _jyutping(surname)
    spelt_surname = conventional or "".join(_cantonese_syllable(r, macao) for r in readings)
    return spelt_surname, [_cantonese_syllable(r, macao) for r in _jyutping(given)]


def wade_giles_of(given: str) -> list[str]:
    """Given-name syllables as a Taiwan passport spells them (俊杰 -> [CHUN, CHIEH])."""
    return [
        "YI" if s == "i" else s.replace("'", "").replace("v", "u").upper()
        for s in lazy_pinyin(given, style=Style.WADEGILES)
    ]


def regional_latin(surname: str, given: str, region: int, pinyin_surname: str) -> tuple[str, str, str]:
    """(surname, given name, given name hyphenated) as the passport of a mainland (0), Hong Kong (1),
    Macao (2) or Taiwan (3) resident spells them; Hong Kong and Macao in Cantonese, Taiwan in Wade-Giles."""
    if region in (1, 2) and surname:
        spelt, syllables = cantonese_of(surname, given, macao=region == 2)
        if spelt and all(syllables):
            return spelt, " ".join(syllables), "-".join(syllables)
    if region == 3 and surname:
        syllables = wade_giles_of(given)
        return TW_SPELLING.get(surname, pinyin_surname), "".join(syllables), "-".join(syllables)
    return pinyin_surname, latin_of(given), hyphenated_latin_of(given)
