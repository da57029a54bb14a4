"""Chinese personal names written in Hanzi (or, sometimes, in pinyin)."""

from __future__ import annotations

import re

import polars as pl

from dedup.standardise._common import MAX_TEXT_LENGTH, map_distinct, nfkc, to_simplified
from dedup.standardise._surnames import COMPOUND_SURNAMES, pinyin_of, surname_pinyin, wade_giles_of
from dedup.standardise.latin_names import parse_latin_names_value
from dedup.standardise.placeholders import null_placeholders

SCHEMA: dict[str, pl.DataType] = {
    "name": pl.Utf8(),
    "name_has_unknown_char": pl.Boolean(),
    "name_is_latin": pl.Boolean(),
    "surname": pl.Utf8(),
    "given_name": pl.Utf8(),
    "surname_pinyin": pl.Utf8(),
    "given_pinyin": pl.Utf8(),
    "name_pinyin": pl.Utf8(),
    "given_wade_giles": pl.Utf8(),
}

_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff]+")
_UNKNOWN = re.compile(r"[?\ufffd]")  # GBK systems write a rare character as ? (or U+FFFD)
_SEPARATORS = re.compile(r"[·•.・\-‧･∙⋅\u2010-\u2015\u2212]+")  # between the parts of a minority name
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f\s,/'’\-.·]*")
_EMPTY = (None, False, False, None, None, None, None, None, None)


def _split(name: str) -> tuple[str, str | None]:
    """(surname, given name): the first part of a minority name, else a (compound) surname."""
    if "·" in name:
        head, _, rest = name.partition("·")
        return head, rest or None
    size = 2 if len(name) > 2 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:size], name[size:] or None


def _standardise(raw: str) -> tuple[object, ...]:
    text = nfkc(raw)
    if len(text) > MAX_TEXT_LENGTH:
        return _EMPTY
    if _LATIN.fullmatch(text):
        surname, given, _, sur_py, given_py, name_py = parse_latin_names_value(text)
        if surname is None:
            return _EMPTY
        latin = f"{surname} {given}" if given else surname
        return latin, False, True, None, None, sur_py, given_py, name_py, None
    name = _UNKNOWN.sub("?", _INVISIBLE.sub("", to_simplified(text)).upper())
    name = _SEPARATORS.sub("·", name).strip("·")
    if not name:
        return _EMPTY
    surname, given = _split(name)
    sur_py = pinyin_of(surname) if "·" in name else surname_pinyin(surname)
    given_py = pinyin_of(given.replace("·", "")) if given else None
    given_wg = wade_giles_of(given) if given and "·" not in name else None
    return name, "?" in name, False, surname, given, sur_py, given_py, sur_py + (given_py or ""), given_wg


def standardise_names(s: pl.Series) -> pl.DataFrame:
    """Standardise Chinese names; see `SCHEMA` for the columns.

    `name` is NFKC, simplified, without whitespace, minority-name separators unified to `·`
    and `?` for an unknown character. A name typed in latin letters has `name_is_latin`,
    `name` as `SURNAME GIVEN` (upper case) and its pinyin from `parse_latin_names`; Hanzi
    surname/given name are then null. Pinyin follows the passport convention (吕 LYU).
    `given_wade_giles` is the Hanzi given name as a Taiwan passport spells it (俊杰 CHUNCHIEH).
    """
    out = map_distinct(null_placeholders(s), _standardise, SCHEMA)
    return out.with_columns(pl.col("name_has_unknown_char", "name_is_latin").fill_null(False))
