"""Phone numbers: mainland mobiles and landlines (023 for Chongqing), parsed with `phonenumbers`."""

from __future__ import annotations

import functools
import re

import phonenumbers
import polars as pl
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from dedup.standardise._common import map_distinct, nfkc
from dedup.standardise.placeholders import null_placeholders

SCHEMA: dict[str, pl.DataType] = {"mobile": pl.Utf8(), "phone": pl.Utf8(), "phone_kind": pl.Utf8()}

_KINDS = {PhoneNumberType.MOBILE: "mobile", PhoneNumberType.FIXED_LINE: "landline"}
_SEVERAL = re.compile(r"[/;,，；、|]")  # one field holding several numbers
_FLOAT_SUFFIX = re.compile(r"\.0+$")  # 13812345678.0 from an Excel number cell


def _parse_one(text: str) -> tuple[phonenumbers.PhoneNumber, int] | None:
    """A valid number and its type (number_type is UNKNOWN exactly when the number is invalid)."""
    text = _FLOAT_SUFFIX.sub("", text.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "CN")
    except NumberParseException:
        return None
    kind = phonenumbers.number_type(number)
    return None if kind == PhoneNumberType.UNKNOWN else (number, kind)


def _standardise(raw: str) -> tuple[str | None, str | None, str | None]:
    numbers = [n for n in map(_parse_one, _SEVERAL.split(nfkc(raw))) if n is not None]
    if not numbers:
        return None, None, None
    mobiles = [str(n.national_number) for n, kind in numbers if n.country_code == 86 and kind == PhoneNumberType.MOBILE]
    first, kind = numbers[0]
    return mobiles[0] if mobiles else None, phonenumbers.format_number(first, PhoneNumberFormat.E164), _KINDS.get(kind)


@functools.cache
def _mainland_mobile_pattern() -> str:
    """Mainland mobile numbers as the `phonenumbers` metadata describes them (anchored regex)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("CN")
    if metadata is None or metadata.mobile is None:
        raise RuntimeError("phonenumbers 缺少中国大陆的号码元数据")
    return f"^(?:{metadata.mobile.national_number_pattern})$"


def standardise_phones(s: pl.Series) -> pl.DataFrame:
    """Standardise phone numbers; see `SCHEMA` for the columns.

    `mobile`: the (first) 11-digit mainland mobile; `phone`: the first valid number in E.164
    (landline 023-68881234 -> +862368881234); `phone_kind`: `mobile`, `landline` or null.
    Handles +86, 0086, spaces, dashes, parentheses and several numbers in one field.
    A bare 11-digit value matching the mobile pattern of `phonenumbers`' own metadata (most
    values) is decided by that pattern in one vectorised pass; every other value is parsed by
    `phonenumbers`, once per distinct value.
    """
    cleaned = null_placeholders(s)
    bare_mobile = (cleaned.str.contains(r"^1[0-9]{10}$") & cleaned.str.contains(_mainland_mobile_pattern())).fill_null(
        False
    )
    others = pl.select(pl.when(bare_mobile).then(None).otherwise(cleaned)).to_series()
    parsed = map_distinct(others, _standardise, SCHEMA)
    return pl.select(
        pl.when(bare_mobile).then(cleaned).otherwise(parsed["mobile"]).alias("mobile"),
        pl.when(bare_mobile).then("+86" + cleaned).otherwise(parsed["phone"]).alias("phone"),
        pl.when(bare_mobile).then(pl.lit("mobile")).otherwise(parsed["phone_kind"]).alias("phone_kind"),
    )
