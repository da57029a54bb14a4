"""Citizen ID numbers (居民身份证号码) and the passports and permits found in ID columns."""

from __future__ import annotations

import datetime as dt
import functools
import re

import polars as pl
from stdnum import numdb
from stdnum.cn import ric

from dedup.standardise._common import map_distinct, nfkc
from dedup.standardise.placeholders import null_placeholders

SCHEMA: dict[str, pl.DataType] = {
    "id_number": pl.Utf8(),
    "id_kind": pl.Utf8(),
    "id_issue": pl.Utf8(),
    "id_birth_date": pl.Date(),
    "id_sex": pl.Utf8(),
    "id_address_code": pl.Utf8(),
    "passport_no": pl.Utf8(),
    "id_shape": pl.Utf8(),
}

_SCIENTIFIC = re.compile(r"(\d)(?:\.(\d+))?E\+?(\d+)", re.ASCII)  # 5.00103199E+17, as Excel shows it
_FLOAT_TEXT = re.compile(r"(\d{15,18})\.0*", re.ASCII)  # 500103199001011000.0, a float written out
# Between the digits of a delivered ID: spaces, dashes, dots, quotes (a leading ' keeps Excel from
# reading digits as a number) and invisible characters left by copying. One pattern for `re` and polars.
ID_SEPARATORS = "[\\s\\-_.·'\"‘’“”\u2010-\u2015\u2212\u200b-\u200d\u2060\ufeff]+"
_SEPARATORS = re.compile(ID_SEPARATORS)
_RIC_SHAPE = re.compile(r"\d{17}[\dX]", re.ASCII)
_OLD_RIC_SHAPE = re.compile(r"\d{15}", re.ASCII)
_HKMO = re.compile(r"[HM]\d{8}(?:\d{2})?", re.ASCII)  # 港澳居民来往内地通行证
_PASSPORT = re.compile(r"[A-Z]{1,2}\d{7,8}", re.ASCII)  # E12345678, EA1234567, G12345678, P1234567
_TW = re.compile(r"\d{8}", re.ASCII)  # 台湾居民来往大陆通行证
_DIGITS = re.compile(r"\d+X?", re.ASCII)

# Numbers of the 港澳台居民居住证 (issued since 2018) carry 810000 (Hong Kong), 820000 (Macao) or
# 830000 (Taiwan) as their address code; stdnum's register lists 830000 nowhere.
RESIDENCE_PERMIT_CODES = frozenset({"810000", "820000", "830000"})
# What an ID-type column says when the number is a passport's (survey/platform/FX, SOE register).
PASSPORT_TYPES = ("护照", "PASSPORT")
_DECLARED_PASSPORT = r"^[A-Z0-9]{6,12}$"  # e.g. a Taiwan passport's nine digits
_DIGIT_RUNS = "0123456789 9876543210"

_EXCEL_ISSUE = "Excel科学计数法，号码已损坏"
# Excel keeps 15 significant digits and may round the last one it keeps.
_EXCEL_RELIABLE_DIGITS = 14

_Row = tuple[str | None, str | None, str | None, dt.date | None, str | None, str | None, str | None, str | None]


@functools.cache
def address_code_exists(code: str) -> bool:
    """Whether the 6-digit area code was ever assigned, in any period, per stdnum's `cn/loc` data.

    `stdnum.cn.ric.validate` also requires the code to have existed in the birth year, which
    rejects e.g. every Chongqing 500xxx code (created 1997) for people born before 1997.
    The codes of residence permits for Hong Kong, Macao and Taiwan residents count as assigned.
    """
    if code in RESIDENCE_PERMIT_CODES:
        return True
    parts = numdb.get("cn/loc").info(code)
    return any("county" in props for _, props in parts)


def _birth_date(yyyymmdd: str) -> dt.date | None:
    try:
        born = dt.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    return born if dt.date(1900, 1, 1) <= born <= dt.date.today() else None


def _ric(body: str, check: str | None, upgraded: bool) -> _Row:
    """Judge the 17 body digits (and the written check character, None for 15-digit numbers)."""
    born = _birth_date(body[6:14])
    expected = ric.calc_check_digit(body + "0")
    issues = []
    if check is not None and check != expected:
        issues.append("校验位错误")
    if born is None:
        issues.append("出生日期无效")
    if not address_code_exists(body[:6]):
        issues.append("地址码不存在")
    sex = "M" if int(body[16]) % 2 else "F"
    if issues:
        return None, "RIC_INVALID", "；".join(issues), born, sex, body[:6], None, body
    issue = "15位旧号已升位" if upgraded else None
    kind = "RESIDENCE_PERMIT" if body[:6] in RESIDENCE_PERMIT_CODES else "RIC"
    return body + expected, kind, issue, born, sex, body[:6], None, body


def _excel_float(digits: str, reliable: int) -> _Row:
    """An ID number that went through an Excel float: only the leading digits can be trusted."""
    code = digits[:6] if reliable >= 6 and address_code_exists(digits[:6]) else None
    born = _birth_date(digits[6:14]) if reliable >= _EXCEL_RELIABLE_DIGITS else None
    return None, "EXCEL_FLOAT", _EXCEL_ISSUE, born, None, code, None, None


def _classify(raw: str) -> _Row:
    text = nfkc(raw).upper()
    if m := _SCIENTIFIC.fullmatch(text):
        mantissa = m[1] + (m[2] or "")
        return _excel_float(mantissa, min(len(mantissa) - 1, _EXCEL_RELIABLE_DIGITS))
    float_text = _FLOAT_TEXT.fullmatch(text)
    number = float_text[1] if float_text else _SEPARATORS.sub("", text)
    if _RIC_SHAPE.fullmatch(number):
        row = _ric(number[:17], number[17], upgraded=False)
        looks_cut = float_text is not None or number.endswith("000")
        if row[1] == "RIC_INVALID" and "校验位错误" in (row[2] or "") and looks_cut:
            return _excel_float(number, _EXCEL_RELIABLE_DIGITS)
        return row
    if _OLD_RIC_SHAPE.fullmatch(number):
        return _ric(number[:6] + "19" + number[6:], None, upgraded=True)
    for kind, pattern in (("HKMO", _HKMO), ("PASSPORT", _PASSPORT), ("TW", _TW)):
        if pattern.fullmatch(number):
            return None, kind, None, None, None, None, number, None
    issue = "位数错误" if _DIGITS.fullmatch(number) else "无法识别的证件号码"
    return None, "OTHER", issue, None, None, None, None, None


# GB 11643 check character of the 18-digit number (ISO 7064 MOD 11-2), for vectorised checks.
_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RIC_CHECK_CHARACTERS = "10X98765432"


def ric_check_character(number: pl.Expr) -> pl.Expr:
    """The check character that the first 17 digits of `number` call for (null if one is not a digit)."""
    digits = [number.str.slice(i, 1).cast(pl.Int32, strict=False) for i in range(17)]
    total = pl.sum_horizontal(d * w for d, w in zip(digits, _RIC_WEIGHTS, strict=True))
    return pl.lit(list(_RIC_CHECK_CHARACTERS), dtype=pl.List(pl.Utf8)).list.get(total % 11)


def _bare_valid_rics(text: pl.Series) -> pl.DataFrame:
    """For each value: whether it is a bare, valid 18-digit citizen ID (`valid`) and its SCHEMA
    columns when so, decided in one vectorised pass (check character, birth date, address code)."""
    expected = ric_check_character(pl.col("v"))
    born = pl.col("v").str.slice(6, 8).str.strptime(pl.Date, "%Y%m%d", strict=False)
    codes = text.filter(text.str.contains(r"^[0-9]{17}[0-9X]$").fill_null(False)).str.slice(0, 6).unique()
    known = {code: address_code_exists(code) for code in codes.to_list()}
    return (
        pl.DataFrame({"v": text})
        .with_columns(born.alias("born"), pl.col("v").str.slice(0, 6).alias("code"))
        .select(
            (
                pl.col("v").str.contains(r"^[0-9]{17}[0-9X]$")
                & (pl.col("v").str.slice(17, 1) == expected)
                & pl.col("born").is_between(dt.date(1900, 1, 1), dt.date.today())
                & pl.col("code").replace_strict(known, default=False, return_dtype=pl.Boolean)
            )
            .fill_null(False)
            .alias("valid"),
            pl.col("v").alias("id_number"),
            pl.when(pl.col("code").is_in(list(RESIDENCE_PERMIT_CODES)))
            .then(pl.lit("RESIDENCE_PERMIT"))
            .otherwise(pl.lit("RIC"))
            .alias("id_kind"),
            pl.lit(None, pl.Utf8).alias("id_issue"),
            pl.col("born").alias("id_birth_date"),
            pl.when(pl.col("v").str.slice(16, 1).cast(pl.Int32, strict=False) % 2 == 1)
            .then(pl.lit("M"))
            .otherwise(pl.lit("F"))
            .alias("id_sex"),
            pl.col("code").alias("id_address_code"),
            pl.lit(None, pl.Utf8).alias("passport_no"),
            pl.col("v").str.slice(0, 17).alias("id_shape"),
        )
    )


def _plausible_document_number(number: pl.Series) -> pl.Series:
    """Not a filler someone typed to get past a form: it has digits, at least three different
    characters, and is not a run such as 123456 (000000000, UNKNOWN and 1234567 are not)."""
    n = pl.col("n")
    return (
        pl.DataFrame({"n": number})
        .select(
            n.str.contains(r"[0-9]")
            & (n.str.split("").list.n_unique() >= 3)
            & ~pl.lit(_DIGIT_RUNS).str.contains(n, literal=True)
        )
        .to_series()
    )


def standardise_id_numbers(s: pl.Series, id_types: pl.Series | None = None) -> pl.DataFrame:
    """Classify and validate ID numbers; see `SCHEMA` for the columns.

    `id_kind`: RIC (valid citizen ID), RESIDENCE_PERMIT (valid number of a residence permit for
    Hong Kong, Macao or Taiwan residents, address code 810000/820000/830000: a document of its own,
    not a citizen ID), RIC_INVALID (citizen-ID shaped, failing a check), PASSPORT, HKMO, TW,
    EXCEL_FLOAT (number mangled by Excel), OTHER; null when empty.
    For RIC, RESIDENCE_PERMIT and RIC_INVALID the birth date, sex and address code are read from the number
    (for RIC_INVALID as written, may be wrong) and `id_shape` holds the 17 body digits.
    With `id_types` (the record's declared document type), a number declared a passport that
    no pattern recognises (a Taiwan passport's nine digits) is taken as the passport number.
    Bare valid 18-digit numbers (most values) are recognised in one vectorised pass; every
    other value is classified once per distinct value.
    """
    cleaned = null_placeholders(s).str.to_uppercase()
    bare = _bare_valid_rics(cleaned)
    others = pl.select(pl.when(bare["valid"]).then(None).otherwise(cleaned)).to_series()
    classified = map_distinct(others, _classify, SCHEMA)
    ids = pl.select(pl.when(bare["valid"]).then(bare[c]).otherwise(classified[c]).alias(c) for c in SCHEMA)
    if id_types is None:
        return ids
    # Only the few unrecognised numbers declared passports are looked at again.
    candidates = (
        id_types.str.normalize("NFKC").str.strip_chars().str.to_uppercase().is_in(PASSPORT_TYPES)
        & (ids["id_kind"] == "OTHER")
    ).fill_null(False)
    at = candidates.arg_true()
    number = cleaned.gather(at).str.normalize("NFKC").str.replace_all(ID_SEPARATORS, "")
    passport = (number.str.contains(_DECLARED_PASSPORT) & _plausible_document_number(number)).fill_null(False)
    declared = pl.repeat(False, len(s), eager=True).scatter(at.filter(passport), True)
    numbers = pl.repeat(None, len(s), dtype=pl.Utf8, eager=True).scatter(at.filter(passport), number.filter(passport))
    return ids.with_columns(
        pl.when(declared).then(pl.lit("PASSPORT")).otherwise(pl.col("id_kind")).alias("id_kind"),
        pl.when(declared).then(None).otherwise(pl.col("id_issue")).alias("id_issue"),
        pl.when(declared).then(numbers).otherwise(pl.col("passport_no")).alias("passport_no"),
    )
