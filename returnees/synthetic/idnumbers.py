"""Identity numbers: GB 11643 citizen IDs, passports, travel permits and GB 32100 USCCs."""

from __future__ import annotations

import numpy as np
import polars as pl
from stdnum.cn import uscc

# Real administrative division codes, grouped by how a returnee in Chongqing came by them.
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
CQ_COUNTY_CODES = (
    "500221 500222 500223 500224 500225 500226 500227 500228 500229 500230 500231 500232 "
    "500233 500234 500235 500236 500237 500238 500240 500241 500242 500243"
).split()
CQ_CITY_CODES = "500381 500382 500383 500384".split()  # 江津市 合川市 永川市 南川市 (1997-2006)
CQ_PRE1997_CODES = "510202 510203 510211 510212 510213 510214 510215 510221 510222".split()
SICHUAN_CODES = (
    "510104 510105 510106 510107 510108 510122 510302 510402 510502 510603 510703 510802 "
    "511002 511102 511302 511402 511502 511602 511702 511802 512201 512501"
).split()
OTHER_CODES = (
    "110101 110105 110108 310101 310104 310115 420106 420111 430102 440106 440305 610113 "
    "520102 530102 320102 330106 370102 410105 360102 450102 130102 210102 220102 620102"
).split()
REGION_CODES = {1: "810000", 2: "820000", 3: "830000"}  # HK / Macao / Taiwan residence permits
MINORITY_CODES = ("650102", "653101", "540102")

ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.frombuffer(b"10X98765432", dtype=np.uint8)


def draw_address_codes(
    rng: np.random.Generator, birth_year: np.ndarray, region: np.ndarray, minority: np.ndarray
) -> np.ndarray:
    """Six-digit address codes: mostly Chongqing, some Sichuan and other provinces."""
    n = birth_year.size
    group = rng.choice(6, size=n, p=[0.58, 0.10, 0.03, 0.07, 0.10, 0.12])
    pools = [
        list(CQ_DISTRICT_CODES),
        CQ_COUNTY_CODES,
        CQ_CITY_CODES,
        CQ_PRE1997_CODES,
        SICHUAN_CODES,
        OTHER_CODES,
    ]
    # Chongqing became a municipality in 1997: 5102xx codes belong to earlier births.
    group[(group == 3) & (birth_year >= 1990)] = 0
    codes = np.empty(n, dtype=object)
    for g, pool in enumerate(pools):
        rows = np.flatnonzero(group == g)
        codes[rows] = np.asarray(pool, dtype=object)[rng.integers(0, len(pool), rows.size)]
    for reg, code in REGION_CODES.items():
        codes[region == reg] = code
    rows = np.flatnonzero(minority)
    codes[rows] = np.asarray(MINORITY_CODES, dtype=object)[rng.integers(0, 3, rows.size)]
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
    return ID_CHECK[total % 11]


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
