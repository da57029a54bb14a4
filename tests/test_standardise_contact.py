"""Phone numbers (contract README: Phones)."""

import phonenumbers
import polars as pl
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from dedup.standardise import standardise_phones


def one(value: str | None) -> tuple:
    return standardise_phones(pl.Series([value], dtype=pl.Utf8)).row(0)


@pytest.mark.parametrize(
    "written",
    [
        "13812345678",
        "+86 138 1234 5678",
        "+8613812345678",
        "0086 13812345678",
        "0086-138-1234-5678",
        "138-1234-5678",
        "138 1234 5678",
        "８６１３８１２３４５６７８",
        "13812345678.0",  # from an Excel number cell
    ],
)
def test_mobile(written: str) -> None:
    assert one(written) == ("13812345678", "+8613812345678", "mobile")


@pytest.mark.parametrize("written", ["023-68881234", "(023)68881234", "023 6888 1234", "+86 23 6888 1234"])
def test_chongqing_landline(written: str) -> None:
    assert one(written) == (None, "+862368881234", "landline")


def test_several_numbers_in_one_field() -> None:
    assert one("023-68881234/13812345678") == ("13812345678", "+862368881234", "landline")


def test_foreign_number() -> None:
    mobile, phone, _ = one("+1 650 253 0000")
    assert (mobile, phone) == (None, "+16502530000")


@pytest.mark.parametrize("value", [None, "", "无", "0", "abc", "1381234567", "68881234"])
def test_invalid_or_empty(value: str | None) -> None:
    assert one(value) == (None, None, None)


def _as_phonenumbers_reads(value: str) -> tuple:
    try:
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return None, None, None
    kind = phonenumbers.number_type(number)
    if kind == PhoneNumberType.UNKNOWN:
        return None, None, None
    mobile = str(number.national_number) if kind == PhoneNumberType.MOBILE else None
    label = {PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "landline"}.get(kind)
    return mobile, phonenumbers.format_number(number, PhoneNumberFormat.E164), label


def test_bare_eleven_digit_values_read_as_phonenumbers_reads_them() -> None:
    """The vectorised path for bare mobiles agrees with `phonenumbers` on every 5-digit prefix."""
    values = [f"{prefix}{(prefix * 7919) % 10**6:06d}" for prefix in range(10000, 20000)]
    # The mobile pattern also looks at the sixth and seventh digits in some ranges (1740[0-5], 1610).
    seven_digit = (*range(1740000, 1741000), *range(1610000, 1611000))
    values += [f"{prefix}{(prefix * 31) % 10**4:04d}" for prefix in seven_digit]
    read = standardise_phones(pl.Series(values, dtype=pl.Utf8)).rows()
    assert read == [_as_phonenumbers_reads(v) for v in values]
    assert sum(kind == "mobile" for _, _, kind in read) > 5000
    assert any(kind is None for _, _, kind in read[10000:]) and any(kind == "mobile" for _, _, kind in read[10000:])
