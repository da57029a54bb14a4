"""Romanised (passport-style) Chinese names: order, separators and non-mainland spellings.

See `dedup.standardise._surnames` for the pinyin convention (吕 is `LYU`).
"""

from __future__ import annotations

import functools
import re

import polars as pl
from pypinyin import Style
from pypinyin.constants import PINYIN_DICT
from pypinyin.contrib.tone_convert import to_normal
from pypinyin.style import convert

from dedup.standardise._common import MAX_TEXT_LENGTH, map_distinct, nfkc, strip_accents
from dedup.standardise._surnames import mainland_surnames, passport_syllable
from dedup.standardise.placeholders import null_placeholders

SCHEMA: dict[str, pl.DataType] = {
    "latin_surname": pl.Utf8(),
    "latin_given": pl.Utf8(),
    "surname_pinyin_candidates": pl.List(pl.Utf8()),
    "surname_pinyin": pl.Utf8(),
    "given_pinyin": pl.Utf8(),
    "name_pinyin": pl.Utf8(),
}
_LatinRow = tuple[str | None, str | None, list[str] | None, str | None, str | None, str | None]

# Hong Kong and Macau (Cantonese) spellings -> mainland pinyin, the more frequent first.
# Taiwan (Wade-Giles) spellings are derived from pypinyin, see `_wade_giles_surnames`.
# fmt: off
CANTONESE_SURNAMES: dict[str, tuple[str, ...]] = {
    "CHAN": ("CHEN",), "CHEUNG": ("ZHANG",), "CHEONG": ("ZHANG",), "WONG": ("WANG", "HUANG"),
    "VONG": ("WANG", "HUANG"), "NG": ("WU",), "LAU": ("LIU",), "LOW": ("LIU",), "LEE": ("LI",),
    "CHOW": ("ZHOU",), "CHAU": ("ZHOU", "ZOU"), "TSANG": ("ZENG",), "YEUNG": ("YANG",),
    "IEONG": ("YANG",), "LAM": ("LIN",), "HO": ("HE",), "KWOK": ("GUO",), "CHIU": ("ZHAO", "QIU"),
    "LO": ("LUO", "LU"), "LAW": ("LUO",), "LOK": ("LUO",), "TSE": ("XIE",), "FUNG": ("FENG",),
    "LEUNG": ("LIANG",), "LEONG": ("LIANG",), "TANG": ("DENG", "TANG"), "CHENG": ("ZHENG",),
    "LAI": ("LAI", "LI"), "YIP": ("YE",), "IP": ("YE",), "CHU": ("ZHU",), "MAK": ("MAI",),
    "TAM": ("TAN",), "SIU": ("XIAO",), "SHIU": ("XIAO", "SHAO"), "KONG": ("JIANG",),
    "LUK": ("LU",), "TAI": ("DAI",), "TSUI": ("XU", "CUI"), "KWAN": ("GUAN",), "KAN": ("JIAN",),
    "POON": ("PAN",), "PUN": ("PAN",), "CHOI": ("CAI",), "CHOY": ("CAI",), "TSOI": ("CAI",),
    "CHUNG": ("ZHONG",), "SZETO": ("SITU",), "AU": ("OU",), "AUYEUNG": ("OUYANG",),
    "MOK": ("MO",), "YUEN": ("YUAN", "RUAN"), "SHEK": ("SHI",), "TONG": ("TANG",), "TO": ("DU",),
    "LUI": ("LYU", "LEI"), "LOUIE": ("LEI",), "HUI": ("XU",), "KOO": ("GU",), "KU": ("GU",),
    "SO": ("SU",), "SHUM": ("SHEN", "CEN"), "SUM": ("CEN",), "FONG": ("FANG", "KUANG"),
    "KWONG": ("KUANG",), "YIU": ("YAO",), "WAI": ("WEI",), "YAU": ("QIU", "YOU"), "YAM": ("REN",),
    "CHO": ("CAO",), "PANG": ("PENG", "PANG"), "HON": ("HAN",), "HUNG": ("HONG", "XIONG"),
    "MUI": ("MEI",), "YUNG": ("WENG", "RONG"), "YEE": ("YU",), "JIM": ("ZHAN",),
    "CHIM": ("ZHAN",), "TIN": ("TIAN",), "FOK": ("HUO",), "KO": ("GAO",), "CHING": ("CHENG",),
    "WAN": ("WEN", "YIN"), "WU": ("HU",), "TUNG": ("DONG",), "SIT": ("XUE",), "YIM": ("YAN",),
    "NGAI": ("WEI",), "NGAN": ("YAN",), "MAN": ("WEN",), "HAU": ("HOU",), "TSO": ("CAO", "ZUO"),
    "KAM": ("GAN", "JIN"), "LING": ("LING",), "CHEE": ("XU",), "KEUNG": ("JIANG",),
}
# fmt: on

# ü written as V, YU or Ü after L or N.
_U_UMLAUT_SPELLINGS = {"LV": "LYU", "LYU": "LYU", "NV": "NYU", "NYU": "NYU"}

_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_SURNAME_SEPARATOR = re.compile(r"[,/]")
_U_AFTER_LN = re.compile(r"(?<=[LNln])[Üü]")


@functools.cache
def _wade_giles_surnames() -> dict[str, tuple[str, ...]]:
    """Wade-Giles (Taiwan passport) spelling -> mainland pinyin, for the known surnames."""
    table: dict[str, list[str]] = {}
    for reading, syllables in mainland_surnames().items():
        pinyin = (re.sub(r"^([ln])yu", r"\1v", s.lower()) for s in syllables)
        spelling = "".join(convert(p, Style.WADEGILES, strict=False) for p in pinyin)
        spelling = spelling.replace("'", "").replace("v", "u").upper()
        table.setdefault(spelling, []).append(reading)
    return {spelling: tuple(readings) for spelling, readings in table.items()}


@functools.cache
def _syllables() -> frozenset[str]:
    """Every pinyin syllable (passport spelling) that has a vowel."""
    normal = {to_normal(p) for readings in PINYIN_DICT.values() for p in readings.split(",")}
    return frozenset(passport_syllable(p) for p in normal if p.isascii() and any(c in p for c in "aeiouv"))


def surname_candidates(spelling: str) -> list[str]:
    """Mainland pinyin surnames a romanised spelling can stand for, the most likely first.

    >>> surname_candidates("WONG")
    ['WANG', 'HUANG']
    """
    mainland = mainland_surnames()
    candidates = [spelling] if spelling in mainland else []
    if spelling in _U_UMLAUT_SPELLINGS:
        candidates.append(_U_UMLAUT_SPELLINGS[spelling])
    candidates += CANTONESE_SURNAMES.get(spelling, ())
    candidates += _wade_giles_surnames().get(spelling, ())
    return list(dict.fromkeys(candidates)) or [spelling]


def _is_surname(spelling: str) -> bool:
    return (
        spelling in mainland_surnames()
        or spelling in _U_UMLAUT_SPELLINGS
        or spelling in CANTONESE_SURNAMES
        or spelling in _wade_giles_surnames()
    )


@functools.cache
def _compound_surnames() -> frozenset[str]:
    """Pinyin of the two-syllable surnames (OUYANG, SIMA, ...)."""
    return frozenset(r for r, syllables in mainland_surnames().items() if len(syllables) > 1)


def _is_compound(spelling: str) -> bool:
    """Whether the spelling stands for a two-syllable surname (OUYANG, AUYEUNG, SZETO)."""
    return any(c in _compound_surnames() for c in surname_candidates(spelling))


def _is_pinyin(text: str) -> bool:
    """Whether `text` splits into pinyin syllables (ZHANGSANFENG -> ZHANG SAN FENG)."""
    syllables = _syllables()
    reachable = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        reachable[end] = any(reachable[start] and text[start:end] in syllables for start in range(max(0, end - 6), end))
    return reachable[-1]


def _split_glued(word: str) -> tuple[str, list[str]]:
    """Split a name written without spaces at the longest known surname that leaves pinyin."""
    for reading in sorted(mainland_surnames(), key=len, reverse=True):
        if word.startswith(reading) and len(word) > len(reading) and _is_pinyin(word[len(reading) :]):
            return reading, [word[len(reading) :]]
    return word, []


def _order(words: list[str]) -> tuple[str, list[str]]:
    """(surname, given words) of a name without a comma or slash."""
    upper = [w.upper().replace("-", "") for w in words]
    if len(words) == 1:
        return _split_glued(upper[0])
    # "Sanfeng ZHANG": the one word in capitals among mixed-case words is the surname.
    capitals = [i for i, w in enumerate(words) if w.isupper() and len(w) > 1]
    if len(capitals) == 1 and capitals[0] in (0, len(words) - 1) and not all(w.isupper() for w in words):
        i = capitals[0]
        return upper[i], upper[:i] + upper[i + 1 :]
    if len(words) > 2 and _is_compound(upper[0] + upper[1]):
        return upper[0] + upper[1], upper[2:]  # OU YANG XIAOMING
    if len(words) > 2 and _is_compound(upper[-2] + upper[-1]) and not _is_surname(upper[0]):
        return upper[-2] + upper[-1], upper[:-2]  # XIAOMING OU YANG
    if _is_surname(upper[-1]) and not _is_surname(upper[0]):
        return upper[-1], upper[:-1]
    return upper[0], upper[1:]


def parse_latin_names_value(raw: str) -> _LatinRow:
    """One romanised name as a row of `SCHEMA` (all null when it has no latin letters)."""
    if len(raw) > MAX_TEXT_LENGTH:
        return None, None, None, None, None, None
    text = strip_accents(_U_AFTER_LN.sub("YU", nfkc(raw))).replace("'", "").replace("’", "")
    separator = _SURNAME_SEPARATOR.search(text)
    head = _WORD.findall(text[: separator.start()]) if separator else []
    tail = _WORD.findall(text[separator.end() :]) if separator else []
    if head and tail:
        surname = "".join(head).upper().replace("-", "")
        given_words = [w.upper().replace("-", "") for w in tail]
        # "JIAJUN, LIN": the given name came first; the one surname is behind the comma.
        if len(tail) == 1 and not _is_surname(surname) and _is_surname(given_words[0]):
            surname, given_words = given_words[0], [surname]
    else:
        words = _WORD.findall(text)
        if not words:
            return None, None, None, None, None, None
        surname, given_words = _order(words)
    given = "".join(given_words) or None
    candidates = surname_candidates(surname)
    return surname, given, candidates, candidates[0], given, candidates[0] + (given or "")


def spelt_in_pinyin(s: pl.Series) -> pl.Series:
    """Whether each romanised name splits into pinyin syllables (CHUNCHIEH and HSINYI do not;
    null stays null), judged once per distinct value."""
    return map_distinct(s, lambda value: (_is_pinyin(value),), {"pinyin": pl.Boolean()})["pinyin"]


def parse_latin_names(s: pl.Series) -> pl.DataFrame:
    """Parse passport-style romanised names; see `SCHEMA` for the columns.

    Accepts `ZHANG SANFENG`, `ZHANG, SANFENG`, `ZHANG/SANFENG`, `SANFENG ZHANG`, any case,
    hyphenated given names; `SANFENG, ZHANG` when only the part behind the separator is a
    surname. `surname_pinyin_candidates` lists the mainland pinyin the written surname can
    stand for (CHAN -> [CHEN], WONG -> [WANG, HUANG], LV -> [LYU], LU -> [LU, LYU]);
    `surname_pinyin` is the first of them.
    """
    return map_distinct(null_placeholders(s), parse_latin_names_value, SCHEMA)
