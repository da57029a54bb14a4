"""Foreign universities, matched on their Chinese name, English name or abbreviation."""

from __future__ import annotations

import functools
import re
from importlib import resources

import polars as pl

from dedup.standardise._common import MAX_TEXT_LENGTH, map_distinct, nfkc, strip_accents, to_simplified
from dedup.standardise.countries import chinese_country_names
from dedup.standardise.placeholders import null_placeholders

SCHEMA: dict[str, pl.DataType] = {
    "institution_id": pl.Utf8(),
    "institution_country": pl.Utf8(),
    "institution_tier": pl.Utf8(),
}

_THE = re.compile(r"\bthe\b")
_UNIV = re.compile(r"\buniv\b")  # Harvard Univ., Univ. of Oxford
_TRAILING_BRACKETS = re.compile(r"\s*[(\[（【][^()\[\]（）【】]*[)\]）】]\s*$")  # campus, abbreviation
_UNIVERSITY_OF = re.compile(r"university of (.+)")
_X_UNIVERSITY = re.compile(r"(.+) university")


@functools.cache
def load_institutions() -> pl.DataFrame:
    """The reference list `data/institutions.csv` (institution_id, country_iso3, tier, name_zh,
    name_en, aliases: `;`-separated)."""
    source = resources.files("dedup.standardise") / "data" / "institutions.csv"
    with source.open("rb") as f:
        return pl.read_csv(f, infer_schema=False)


def _key(text: str) -> str:
    """Comparison key: simplified, accents, `the`, punctuation and whitespace dropped, case-folded, `univ` spelt out."""
    text = _UNIV.sub("university", _THE.sub(" ", strip_accents(to_simplified(nfkc(text))).casefold()))
    return "".join(ch for ch in text if ch.isalnum())


def _spellings(name: str) -> list[str]:
    """A name and its `University of X` / `X University` twin."""
    words = " ".join(_THE.sub(" ", name.casefold()).split())
    spellings = [name]
    if m := _UNIVERSITY_OF.fullmatch(words):
        spellings.append(f"{m[1]} university")
    elif m := _X_UNIVERSITY.fullmatch(words):
        spellings.append(f"university of {m[1]}")
    return spellings


@functools.cache
def _index() -> dict[str, tuple[str, str, str]]:
    """Name key -> (id, country, tier); keys naming two institutions are left out."""
    index: dict[str, tuple[str, str, str]] = {}
    ambiguous: set[str] = set()
    for row in load_institutions().iter_rows(named=True):
        names = [row["name_zh"], row["name_en"], *(row["aliases"] or "").split(";")]
        value = (row["institution_id"], row["country_iso3"], row["tier"])
        for name in filter(None, names):
            for key in map(_key, _spellings(name.strip())):
                if key and index.setdefault(key, value) != value:
                    ambiguous.add(key)
    return {key: value for key, value in index.items() if key not in ambiguous}


def _without_country(key: str) -> str:
    """The key without a leading Chinese country name (美国哈佛大学 -> 哈佛大学)."""
    countries = chinese_country_names()
    for size in range(len(key) - 1, 0, -1):
        if key[:size] in countries:
            return key[size:]
    return key


def _match(raw: str) -> tuple[str | None, str | None, str | None]:
    if len(raw) > MAX_TEXT_LENGTH:
        return None, None, None
    index = _index()
    for text in (raw, _TRAILING_BRACKETS.sub("", raw)):
        key = _key(text)
        found = index.get(key) or index.get(_without_country(key))
        if found:
            return found
    return None, None, None


def standardise_institutions(s: pl.Series) -> pl.DataFrame:
    """Match institution names to `load_institutions()`; see `SCHEMA` for the columns.

    Matching ignores case, traditional/simplified, accents, `the`, punctuation and spaces,
    accepts `University of X` for `X University` (and back), a leading Chinese country name
    and a trailing part in brackets (campus, abbreviation). Unknown names give null.
    """
    return map_distinct(null_placeholders(s), _match, SCHEMA)
