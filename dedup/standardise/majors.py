"""Majors (free text, Chinese or English, one or several) to discipline codes of the Ministry of
Education's catalogue (`data/majors.csv`, with English names, graduate disciplines and common
abbreviations in `data/major_aliases.csv`).

A code is the catalogue's: 门类 (2 digits, 08 工学), 专业类 (4 digits, 0809 计算机类) or 专业
(6 digits and a K/T mark, 080901 计算机科学与技术), so a code's prefixes are its categories.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

import polars as pl

from dedup.standardise._common import MAX_TEXT_LENGTH, map_distinct, nfkc, to_simplified
from dedup.standardise.placeholders import null_placeholders

SCHEMA: dict[str, pl.DataType] = {"codes": pl.List(pl.Utf8), "any_major": pl.Boolean()}
ANY_MAJOR = frozenset({"不限", "专业不限", "不限专业", "any", "anymajor", "all", "无要求", "专业不限制"})

# Several majors in one value: 、 ， , ； / 或 (and their full-width or ASCII twins after NFKC).
_SEPARATORS = re.compile(r"[、,，;；/|]|或者?|\bor\b", re.IGNORECASE)
_BRACKETS = re.compile(r"[(\[（【].*?[)\]）】]", re.DOTALL)
_TRAILING = re.compile(r"(?:等?相关专业|等相关|等专业|相关|专业|方向|等)+$")
_DEGREE_PREFIX = re.compile(
    r"^(?:(?:bachelor|master|doctor)s?(?:of(?:science|arts|engineering|philosophy))?(?:in)?"
    r"|(?:msc|bsc|meng|beng|mphil|phd|ma|ms|bs|ba|mres)(?:in)?)(?=[a-z])"
)


def _key(text: str) -> str:
    """Comparison key: NFKC, simplified, case-folded, `&` as `and`, letters and digits only."""
    text = to_simplified(nfkc(text)).casefold().replace("&", "and")
    return "".join(ch for ch in text if ch.isalnum())


@functools.cache
def load_majors() -> pl.DataFrame:
    """The catalogue `data/majors.csv`: `code`, `name`, `level` (门类/专业类/专业), `parent`."""
    return _read("majors.csv")


@functools.cache
def load_major_aliases() -> pl.DataFrame:
    """The alias table `data/major_aliases.csv`: `alias`, `codes` (`;`-separated), `kind`."""
    return _read("major_aliases.csv")


def _read(name: str) -> pl.DataFrame:
    source = resources.files("dedup.standardise") / "data" / name
    with source.open("rb") as f:
        return pl.read_csv(f, infer_schema=False, comment_prefix="#")


@functools.cache
def _index() -> dict[str, tuple[str, ...]]:
    """Name key → codes. A catalogue name used on two levels (法学 门类 and 专业) means the finest."""
    index: dict[str, tuple[str, ...]] = {}
    for code, name in load_majors().sort("code").select("code", "name").iter_rows():
        current = index.get(_key(name))
        if current is None or len(code) > len(current[0]):
            index[_key(name)] = (code,)
    for alias, codes in load_major_aliases().select("alias", "codes").iter_rows():
        index[_key(alias)] = tuple(codes.split(";"))
    return index


@functools.cache
def major_names() -> dict[str, str]:
    """Code → catalogue name (计算机科学与技术, 计算机类, 工学)."""
    return dict(load_majors().select("code", "name").iter_rows())


def _one(part: str) -> tuple[str, ...]:
    """Codes of one major as written; empty when unknown."""
    index = _index()
    bare = _BRACKETS.sub("", nfkc(part))
    for text in (part, bare, _TRAILING.sub("", bare)):
        key = _key(text)
        if key in index:
            return index[key]
        english = _DEGREE_PREFIX.sub("", key)
        if english != key and english in index:
            return index[english]
    return ()


def _parse(raw: str) -> tuple[list[str] | None, bool]:
    if len(raw) > MAX_TEXT_LENGTH:
        return None, False
    text = nfkc(raw)
    if _key(text) in ANY_MAJOR:
        return None, True
    codes: list[str] = []
    for part in _SEPARATORS.split(text):
        if not part.strip():
            continue
        if _key(_TRAILING.sub("", part.strip())) in ANY_MAJOR:
            return None, True
        codes.extend(c for c in _one(part.strip()) if c not in codes)
    return codes or None, False


def standardise_majors(s: pl.Series) -> pl.DataFrame:
    """Discipline codes of each value (`codes`, null when none is recognised) and whether it says
    any major will do (`any_major`: 不限, 专业不限).

    Several majors may be separated by 、 ， , ； / 或; each part is matched ignoring case,
    traditional/simplified, punctuation and spaces, a part in brackets, a trailing 专业 / 相关专业 /
    方向 / 等, and an English degree prefix (MSc in, Master of Science in).
    """
    out = map_distinct(null_placeholders(s), _parse, SCHEMA)
    return out.with_columns(pl.col("any_major").fill_null(False))
