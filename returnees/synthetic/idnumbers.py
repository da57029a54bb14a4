"""Identity numbers: GB 11643 citizen IDs, passports, travel permits and GB 32100 USCCs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import polars as pl
from stdnum.cn import uscc

from returnees.synthetic.reference import words

# Current Chongqing district codes: the registration region of employers in each district.
CQ_DISTRICT_CODES: dict[str, str] = {
    "500101": "万州区",
    "500102": "涪陵区",
    "500103": "渝中区",
    "500104": "大渡口区",
    "500105": "江北区",
    "500106": "沙坪坝区",
    "500107": "九龙坡区",
    "500108": "南岸区",
    "500109": "北碚区",
    "500110": "綦江区",
    "500111": "大足区",
    "500112": "渝北区",
    "500113": "巴南区",
    "500114": "黔江区",
    "500115": "长寿区",
    "500116": "江津区",
    "500117": "合川区",
    "500118": "永川区",
    "500119": "南川区",
    "500120": "璧山区",
    "500151": "铜梁区",
    "500152": "潼南区",
    "500153": "荣昌区",
    "500154": "开州区",
}
# Where IDs were issued: (share of the population, code prefixes). Chongqing codes
# include the 5102xx codes of the years before 1997, when Chongqing was part of Sichuan.
GEOGRAPHY: dict[str, tuple[float, tuple[str, ...]]] = {
    "chongqing": (0.78, ("50", "5102")),
    "sichuan": (0.10, ("51",)),
    "other": (0.12, ("11", "31", "32", "33", "37", "41", "42", "43", "44", "52", "53", "61")),
}
URBAN_CHONGQING = frozenset(
    words(
        "500103 500104 500105 500106 500107 500108 "
        "500109 500112 500113 510202 510203 510211 "
        "510212 510213 510214 510215 510218 510219"
    )
)
REGION_CODES = {1: "810000", 2: "820000", 3: "830000"}  # HK / Macao / Taiwan residence permits
MINORITY_PREFIX = {1: "65", 2: "54"}  # Uyghur: Xinjiang, Tibetan: Tibet
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


@dataclass(frozen=True)
class County:
    """A county-level division code and the years it was in use (None: open-ended)."""

    code: str
    place: str
    start: int | None
    end: int | None

    def valid_in(self, year: int) -> bool:
        """Whether the code was in use in ``year``."""
        return (self.start is None or self.start <= year) and (self.end is None or year <= self.end)


@cache
def counties() -> tuple[County, ...]:
    """County codes with their years of use, from python-stdnum's division database (the
    database ``stdnum.cn.ric`` validates birth places against)."""
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    out: list[County] = []
    province, name = "", ""
    for line in text.splitlines():
        top = re.match(r'^(\d\d) province="([^"]*)"', line)
        if top:
            province, name = top.groups()
            continue
        sub = re.match(r'^  (\d{4}) county="([^"]*)"', line)
        if not sub or sub.group(1).endswith(("00", "01")):
            continue
        for part in sub.group(2).split(","):
            span = re.match(r"^\[(\d*)-(\d*)\](.*)$", part)
            start, end, place = span.groups() if span else ("", "", part)
            out.append(
                County(province + sub.group(1), name + place, int(start) if start else None, int(end) if end else None)
            )
    return tuple(out)


def place_of(codes: np.ndarray) -> np.ndarray:
    """Place names (province and county, latest name) of address codes."""
    names = {c.code: c.place for c in counties()}
    names.update({"810000": "香港特别行政区", "820000": "澳门特别行政区", "830000": "台湾省"})
    return np.asarray([names.get(c, "") for c in codes], dtype=object)


def _pool(prefixes: tuple[str, ...], exclude: tuple[str, ...] = ()) -> list[County]:
    return [c for c in counties() if c.code.startswith(prefixes) and not c.code.startswith(exclude)]


def issue_years(birth_year: np.ndarray) -> np.ndarray:
    """Year a person's number was first coded: the 1985 roll-out for those then adult, at
    sixteen for those born until 1996, at household registration after that."""
    return np.where(birth_year < 1969, 1985, np.where(birth_year < 1997, birth_year + 16, birth_year))


def _assign(
    rng: np.random.Generator, rows: np.ndarray, year: np.ndarray, pool: list[County], codes: np.ndarray
) -> None:
    """Codes in use in each row's ``year``, urban Chongqing districts weighted up."""
    for y in np.unique(year[rows]):
        at = rows[year[rows] == y]
        valid = [c.code for c in pool if c.valid_in(int(y))]
        weights = np.asarray([4.0 if c in URBAN_CHONGQING else 1.0 for c in valid])
        codes[at] = np.asarray(valid, dtype=object)[rng.choice(len(valid), size=at.size, p=weights / weights.sum())]


def draw_address_codes(
    rng: np.random.Generator, birth_year: np.ndarray, region: np.ndarray, minority: np.ndarray
) -> np.ndarray:
    """Six-digit address codes: mostly Chongqing, some Sichuan and other provinces.

    GB 11643 codes the county of residence when the number was issued, so each code was
    in use in the issue year (:func:`issue_years`), not necessarily in the birth year:
    ``stdnum.cn.ric.is_valid``, which checks the birth year, rejects some genuine numbers
    (a Chongqing 500xxx number of someone born before 1997)."""
    n = birth_year.size
    issued = issue_years(birth_year)
    group = rng.choice(len(GEOGRAPHY), size=n, p=[g[0] for g in GEOGRAPHY.values()])
    codes = np.empty(n, dtype=object)
    group[(region > 0) | (minority > 0)] = -1
    for g, (name, (_, prefixes)) in enumerate(GEOGRAPHY.items()):
        exclude = ("5102",) if name == "sichuan" else ()
        _assign(rng, np.flatnonzero(group == g), issued, _pool(prefixes, exclude), codes)
    for kind, prefix in MINORITY_PREFIX.items():
        _assign(rng, np.flatnonzero(minority == kind), issued, _pool((prefix,)), codes)
    for reg, code in REGION_CODES.items():
        codes[region == reg] = code
    return codes


def id_digits(address: np.ndarray, birth: np.ndarray, sequence: np.ndarray) -> np.ndarray:
    """ASCII bytes (n x 18) of GB 11643 IDs with their ISO 7064 MOD 11-2 check character."""
    ymd = np.char.replace(np.datetime_as_string(birth, unit="D").astype("U10"), "-", "")
    body = np.char.add(np.char.add(address.astype("U6"), ymd), np.char.zfill(sequence.astype("U3"), 3))
    raw = np.frombuffer(body.astype("S17").tobytes(), dtype=np.uint8).reshape(-1, 17)
    out = np.empty((raw.shape[0], 18), dtype=np.uint8)
    out[:, :17] = raw
    out[:, 17] = check_characters(raw)
    return out


def check_characters(raw: np.ndarray) -> np.ndarray:
    """Check characters (ASCII codes) for the 17-digit bodies in ``raw`` (n x 17 ASCII)."""
    total = ((raw[:, :17].astype(np.int64) - 48) * ID_WEIGHTS).sum(axis=1)
    checks: np.ndarray = ID_CHECK[total % 11]
    return checks


def to_strings(ascii_rows: np.ndarray) -> pl.Series:
    """Turn fixed-width ASCII rows into a string Series."""
    width = ascii_rows.shape[1]
    packed = np.ascontiguousarray(ascii_rows).view(f"S{width}").ravel()
    return pl.Series(packed.astype(f"U{width}"), dtype=pl.String)


def to_old_id(ids: pl.Series) -> pl.Series:
    """The 15-digit pre-1999 form: two-digit year and no check character."""
    return ids.str.slice(0, 6) + ids.str.slice(8, 9)


def draw_passports(rng: np.random.Generator, n: int) -> pl.Series:
    """Chinese passport numbers: E12345678, EA1234567 or the older G12345678."""
    style = rng.choice(3, size=n, p=[0.6, 0.15, 0.25])
    digits8 = np.char.zfill(rng.integers(0, 10**8, n).astype("U8"), 8)
    letters = np.asarray(list("ABCDEFGHJKLMNPQRSTUVWXYZ"))[rng.integers(0, 24, n)]
    ea = np.char.add(np.char.add("E", letters), np.char.zfill(rng.integers(0, 10**7, n).astype("U7"), 7))
    out = np.where(style == 0, np.char.add("E", digits8), np.where(style == 1, ea, np.char.add("G", digits8)))
    return pl.Series(out, dtype=pl.String)


def draw_permits(rng: np.random.Generator, region: np.ndarray) -> pl.Series:
    """Travel permit numbers: H/M + 8 digits (Hong Kong, Macao) or 8 digits (Taiwan)."""
    digits = np.char.zfill(rng.integers(0, 10**8, region.size).astype("U8"), 8)
    prefix = np.asarray(["", "H", "M", ""])[region]
    out = np.where(region > 0, np.char.add(prefix, digits), "")
    return pl.Series(out, dtype=pl.String).replace("", None)


def org_code(rng: np.random.Generator) -> str:
    """A GB 11714 organisation code (8 characters and its check character)."""
    body = [int(d) for d in rng.integers(0, 10, 8)]
    total = sum(d * w for d, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return "".join(map(str, body)) + {10: "X", 11: "0"}.get(check, str(check))


def make_uscc(rng: np.random.Generator, prefix: str, region_code: str) -> str:
    """An 18-character unified social credit code with a valid GB 32100 check character."""
    body = prefix + region_code + org_code(rng)
    return body + uscc.calc_check_digit(body)
