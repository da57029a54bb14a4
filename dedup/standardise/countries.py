"""Countries and regions (free text in Chinese or English, or ISO codes) to ISO 3166-1 alpha-3."""

from __future__ import annotations

import functools
import gettext
import re

import polars as pl
import pycountry

from dedup.standardise._common import MAX_TEXT_LENGTH, map_distinct, nfkc, strip_accents, to_simplified
from dedup.standardise.placeholders import null_placeholders

# Names people write that are not in pycountry's names or its Chinese translations.
# fmt: off
EXTRA_NAMES = {
    "USA": "USA", "US": "USA", "America": "USA", "美利坚": "USA", "美洲合众国": "USA",
    "UK": "GBR", "Britain": "GBR", "Great Britain": "GBR", "England": "GBR", "Scotland": "GBR",
    "Wales": "GBR", "Northern Ireland": "GBR", "英格兰": "GBR", "苏格兰": "GBR", "威尔士": "GBR",
    "北爱尔兰": "GBR", "英伦": "GBR", "Korea": "KOR", "Republic of Korea": "KOR", "南朝鲜": "KOR",
    "朝鲜": "PRK", "北韩": "PRK", "Russia": "RUS", "俄国": "RUS", "Holland": "NLD",
    "Turkey": "TUR", "Macau": "MAC", "中国澳门": "MAC", "中国香港": "HKG", "Hong Kong SAR": "HKG",
    "台湾": "TWN", "中国台湾": "TWN", "台湾地区": "TWN", "Taiwan ROC": "TWN", "UAE": "ARE",
    "澳洲": "AUS", "中国大陆": "CHN", "大陆": "CHN", "内地": "CHN", "Mainland China": "CHN",
    "沙特": "SAU", "孟加拉国": "BGD", "蒙古国": "MNG", "叙利亚": "SYR", "委内瑞拉": "VEN",
    "玻利维亚": "BOL", "摩尔多瓦": "MDA", "老挝": "LAO", "Deutschland": "DEU",
}
# fmt: on
_TRANSLATIONS = ("zh_CN", "zh_TW", "zh_HK")
_BRACKETED = re.compile(r"[(\[（【].*?[)\]）】]")
_CODE = re.compile(r"[A-Z]{2,3}")  # alpha-2 or alpha-3, as systems write them (`no`, `in`, `na` are words)
_THE = re.compile(r"\bthe\b")


def _key(text: str) -> str:
    """Comparison key: simplified, accents and `the` dropped, case-folded, letters and digits only."""
    text = _THE.sub(" ", strip_accents(to_simplified(text)).casefold())
    return "".join(ch for ch in text if ch.isalnum())


@functools.cache
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """(name key -> alpha-3, upper-case alpha-2/alpha-3 code -> alpha-3)."""
    translations = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]) for lang in _TRANSLATIONS]
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    for country in pycountry.countries:
        codes[country.alpha_2] = codes[country.alpha_3] = country.alpha_3
        for attr in ("name", "official_name", "common_name"):
            english = getattr(country, attr, None)
            if english is None:
                continue
            for text in (english, *(t.gettext(english) for t in translations)):
                names.setdefault(_key(text), country.alpha_3)
    names.update({_key(text): code for text, code in EXTRA_NAMES.items()})
    return names, codes


@functools.cache
def chinese_country_names() -> frozenset[str]:
    """Chinese country names as comparison keys (to strip 美国 from 美国哈佛大学)."""
    return frozenset(text for text in (*_tables()[0], *map(_key, EXTRA_NAMES)) if text and not text.isascii())


def _lookup(raw: str) -> tuple[str | None]:
    if len(raw) > MAX_TEXT_LENGTH:
        return (None,)
    text = nfkc(raw)
    names, codes = _tables()
    if _CODE.fullmatch(text.replace(".", "")):
        code = codes.get(text.replace(".", ""))
        if code:
            return (code,)
    return (names.get(_key(text)) or names.get(_key(_BRACKETED.sub("", text))),)


def standardise_countries(s: pl.Series) -> pl.Series:
    """ISO 3166-1 alpha-3 code of a country written in Chinese (simplified or traditional,
    short or official name), English, or as an alpha-2/alpha-3 code; null when unknown.

    UK -> GBR; 香港/中国香港 -> HKG, 澳门 -> MAC, 台湾/中国台湾 -> TWN.
    """
    out = map_distinct(null_placeholders(s), _lookup, {"country": pl.Utf8()})
    return out.to_series().alias(s.name)
