"""Citizen ID numbers, passports and permits in ID columns (contract README: ID numbers)."""

import datetime as dt

import polars as pl
import pytest
from stdnum.cn import ric

from dedup.standardise import standardise_id_numbers

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def with_check(body: str) -> str:
    """The 18-digit number with the check character stdnum computes for these 17 digits."""
    return body + ric.calc_check_digit(body + "0")


VALID_CQ = with_check("50010319900101123")  # Chongqing 渝中区, born 1990-01-01, male


def one(value: str | None) -> dict:
    return standardise_id_numbers(pl.Series([value], dtype=pl.Utf8)).row(0, named=True)


def test_valid_number_is_parsed() -> None:
    row = one(VALID_CQ)
    assert row["id_kind"] == "RIC"
    assert row["id_number"] == VALID_CQ
    assert row["id_issue"] is None
    assert row["id_birth_date"] == dt.date(1990, 1, 1)
    assert row["id_sex"] == "M"
    assert row["id_address_code"] == "500103"
    assert row["id_shape"] == VALID_CQ[:17]
    assert row["passport_no"] is None


@pytest.mark.parametrize(
    "written",
    [
        VALID_CQ.translate(FULL_WIDTH),  # full-width digits
        f" {VALID_CQ[:6]} {VALID_CQ[6:14]} {VALID_CQ[14:]} ",  # spaces
        f"{VALID_CQ[:6]}-{VALID_CQ[6:14]}-{VALID_CQ[14:]}",  # dashes
        f"{VALID_CQ[:6]}.{VALID_CQ[6:14]}.{VALID_CQ[14:]}",  # dots
        f"{VALID_CQ[:6]}\u2013{VALID_CQ[6:14]}\u2010{VALID_CQ[14:]}",  # en dash, Unicode hyphen
        f"'{VALID_CQ}",  # apostrophe that kept Excel from reading a number
        f"\u200b{VALID_CQ}\ufeff",  # invisible characters left by copying
    ],
)
def test_formatting_noise_is_removed(written: str) -> None:
    assert one(written)["id_number"] == VALID_CQ


def test_lowercase_check_character_x() -> None:
    body = next(b for n in range(1000) if ric.calc_check_digit((b := f"50010319900101{n:03d}") + "0") == "X")
    row = one(body + "x")
    assert (row["id_kind"], row["id_number"]) == ("RIC", body + "X")
    assert one((body + "X").translate(FULL_WIDTH))["id_number"] == body + "X"


def test_chongqing_number_of_someone_born_before_1997_is_valid() -> None:
    number = with_check("50010319800101123")
    assert not ric.is_valid(number)  # stdnum: 500103 did not exist in 1980
    row = one(number)
    assert row["id_kind"] == "RIC"
    assert row["id_birth_date"] == dt.date(1980, 1, 1)


def test_15_digit_number_is_upgraded() -> None:
    old = "110105800101123"
    expected = with_check(old[:6] + "19" + old[6:])
    assert ric.is_valid(expected)
    row = one(old)
    assert (row["id_kind"], row["id_number"], row["id_issue"]) == ("RIC", expected, "15位旧号已升位")
    assert row["id_shape"] == expected[:17]


def test_wrong_check_digit() -> None:
    wrong = VALID_CQ[:17] + str((int(VALID_CQ[17]) + 1) % 10) if VALID_CQ[17] != "X" else VALID_CQ[:17] + "0"
    row = one(wrong)
    assert row["id_kind"] == "RIC_INVALID"
    assert row["id_number"] is None
    assert row["id_issue"] == "校验位错误"
    assert row["id_shape"] == VALID_CQ[:17]  # kept for one-typo comparison downstream


@pytest.mark.parametrize(
    ("body", "issue"),
    [
        ("99999919900101123", "地址码不存在"),
        ("50010319900230123", "出生日期无效"),  # 30 February
        ("50010318890101123", "出生日期无效"),  # before 1900
        (f"500103{dt.date.today().year + 1}0101123", "出生日期无效"),  # in the future
    ],
)
def test_failing_checks_are_reported(body: str, issue: str) -> None:
    row = one(with_check(body))
    assert (row["id_kind"], row["id_issue"], row["id_number"]) == ("RIC_INVALID", issue, None)


@pytest.mark.parametrize("value", ["5.00103199E+17", "5.00103199e17", "500103199001011000", "500103199001011000.0"])
def test_excel_float_is_recognised(value: str) -> None:
    row = one(value)
    assert row["id_kind"] == "EXCEL_FLOAT"
    assert row["id_number"] is None
    assert row["id_issue"] == "Excel科学计数法，号码已损坏"
    assert row["id_address_code"] == "500103"


def test_trailing_zeros_alone_do_not_make_an_excel_float() -> None:
    days = (dt.date(1990, 1, 1) + dt.timedelta(days=n) for n in range(365))
    number = next(n for d in days if (n := with_check(f"500103{d:%Y%m%d}100")).endswith("000"))
    assert one(number)["id_kind"] == "RIC"


@pytest.mark.parametrize(
    ("value", "kind", "number"),
    [
        ("E12345678", "PASSPORT", "E12345678"),
        ("ea1234567", "PASSPORT", "EA1234567"),
        ("G 1234 5678", "PASSPORT", "G12345678"),
        ("P1234567", "PASSPORT", "P1234567"),
        ("H12345678", "HKMO", "H12345678"),
        ("M1234567890", "HKMO", "M1234567890"),
        ("12345678", "TW", "12345678"),
    ],
)
def test_passports_and_permits(value: str, kind: str, number: str) -> None:
    row = one(value)
    assert (row["id_kind"], row["passport_no"], row["id_number"], row["id_shape"]) == (kind, number, None, None)


@pytest.mark.parametrize("value", ["abc", "1234567890", "50010319900101123"])
def test_other_values(value: str) -> None:
    row = one(value)
    assert row["id_kind"] == "OTHER"
    assert row["id_issue"] is not None


@pytest.mark.parametrize("value", [None, "", "  ", "无", "不详", "NULL", "0"])
def test_empty_values_have_no_kind(value: str | None) -> None:
    assert set(one(value).values()) == {None}


def test_rows_keep_their_order() -> None:
    values = ["E12345678", None, VALID_CQ, "E12345678", "x"]
    out = standardise_id_numbers(pl.Series(values))
    assert out["id_kind"].to_list() == ["PASSPORT", None, "RIC", "PASSPORT", "OTHER"]


@pytest.mark.parametrize(("code", "region"), [("810000", "香港"), ("820000", "澳门"), ("830000", "台湾")])
def test_residence_permits_of_hong_kong_macao_and_taiwan_residents_are_valid(code: str, region: str) -> None:
    number = with_check(f"{code}19921008196")
    row = one(number)
    expected = ("RESIDENCE_PERMIT", number, code)
    assert (row["id_kind"], row["id_number"], row["id_address_code"]) == expected, region
    assert (row["id_birth_date"], row["id_sex"]) == (dt.date(1992, 10, 8), "F")
    body = number[:17]  # the one-at-a-time path (a separator inside) agrees with the vectorised one
    spaced = one(f"{body[:6]} {body[6:]}{number[17]}")
    assert (spaced["id_kind"], spaced["id_number"]) == ("RESIDENCE_PERMIT", number)


def test_a_number_declared_a_passport_is_the_passport_number() -> None:
    values = pl.Series(["394646907", "394 646 907", "394646907", "394646907", "12", None])
    types = pl.Series(["护照", "护照", "PASSPORT", "居民身份证", "护照", "护照"])
    out = standardise_id_numbers(values, types)
    assert out["id_kind"].to_list() == ["PASSPORT", "PASSPORT", "PASSPORT", "OTHER", "OTHER", None]
    assert out["passport_no"].to_list() == ["394646907", "394646907", "394646907", None, None, None]
    assert out["id_issue"].to_list()[:3] == [None, None, None]
    # Fillers typed to get past a form are no passport, whatever the declared type says.
    fillers = pl.Series(["000000000", "UNKNOWN", "123456", "987654321", "NOPASSPORT"])
    judged = standardise_id_numbers(fillers, pl.Series(["护照"] * len(fillers)))
    assert set(judged["id_kind"].to_list()) == {"OTHER"} and judged["passport_no"].null_count() == len(fillers)
    # A declared type never turns a valid citizen ID or a recognised permit into a passport.
    mixed = standardise_id_numbers(pl.Series([VALID_CQ, "H12345678"]), pl.Series(["护照", "护照"]))
    assert mixed["id_kind"].to_list() == ["RIC", "HKMO"]
