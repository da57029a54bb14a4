"""Source values the serving layer needs beyond `records`: degrees, titles, flags, districts, codes."""

from __future__ import annotations

import functools
import gettext
from importlib import resources

import polars as pl
import pycountry

from dedup.standardise import null_placeholders, parse_dates, parse_yyyymm

DEGREES: tuple[str, ...] = ("博士", "硕士", "学士", "无")
DEGREE_RANK: dict[str, int] = {"博士": 3, "硕士": 2, "学士": 1, "无": 0}
EDUCATION_RANK: dict[str, int] = {"博士研究生": 3, "硕士研究生": 2, "大学本科": 1, "大专及以下": 0}
TITLE_LEVELS: tuple[str, ...] = ("正高级", "副高级", "中级", "初级", "无")
TITLE_RANK: dict[str, int] = {"正高级": 4, "副高级": 3, "中级": 2, "初级": 1, "无": 0}
REGION_NAMES = {"HKG": "中国香港", "MAC": "中国澳门", "TWN": "中国台湾"}
EMPLOYER_KINDS: tuple[str, ...] = ("机关", "事业单位", "国有企业", "民营企业", "外资企业", "自主创业", "待业", "其他")

_DOCTOR = r"博士|phd|ph\.d|doctor|dphil"
_MASTER = r"硕士|master|msc|m\.sc|mba|meng|mphil|llm|^ma$|^ms$"
_BACHELOR = r"学士|bachelor|bsc|b\.sc|beng|llb|^ba$|^bs$"
_NONE = r"^(无|无学位|none|没有)$"


def _text(s: pl.Series) -> pl.Expr:
    """NFKC, trimmed, lower-cased text of a series (placeholders kept: `无` can mean "none")."""
    return pl.lit(s.cast(pl.Utf8)).str.normalize("NFKC").str.strip_chars().str.to_lowercase()


def normalise_degree(s: pl.Series) -> pl.Series:
    """Degree text (博士学位, 理学硕士, PhD, MSc, 学士, 无 ...) → 博士/硕士/学士/无; unknown → null."""
    t = _text(s)
    out = (
        pl.when(t.str.contains(_DOCTOR))
        .then(pl.lit("博士"))
        .when(t.str.contains(_MASTER))
        .then(pl.lit("硕士"))
        .when(t.str.contains(_BACHELOR))
        .then(pl.lit("学士"))
        .when(t.str.contains(_NONE))
        .then(pl.lit("无"))
    )
    return pl.select(out.alias(s.name)).to_series()


def degree_from_education(s: pl.Series) -> pl.Series:
    """The degree an education level implies (硕士研究生 → 硕士, 研究生 → 硕士, 本科 → 学士, 大专 → 无)."""
    t = _text(s)
    out = (
        pl.when(t.str.contains("博士"))
        .then(pl.lit("博士"))
        .when(t.str.contains("硕士|研究生"))
        .then(pl.lit("硕士"))
        .when(t.str.contains("本科|^大学$"))
        .then(pl.lit("学士"))
        .when(t.str.contains("大专|专科|中专|高中|其他"))
        .then(pl.lit("无"))
    )
    return pl.select(out.alias(s.name)).to_series()


def education_rank(s: pl.Series) -> pl.Series:
    """Education level text → rank (`EDUCATION_RANK`: 博士研究生 3 … 大专及以下 0); unknown → null.

    研究生 alone counts as 硕士研究生, the level every postgraduate has reached.
    """
    t = _text(s)
    out = (
        pl.when(t.str.contains("博士"))
        .then(3)
        .when(t.str.contains("硕士|研究生"))
        .then(2)
        .when(t.str.contains("本科|学士|^大学$"))
        .then(1)
        .when(t.str.contains("大专|专科|中专|高中|初中|中学|其他"))
        .then(0)
    )
    return pl.select(out.cast(pl.Int8).alias(s.name)).to_series()


def normalise_title_level(s: pl.Series) -> pl.Series:
    """Professional title level as one of `TITLE_LEVELS`; anything else → null."""
    t = pl.lit(s.cast(pl.Utf8)).str.normalize("NFKC").str.strip_chars()
    return pl.select(pl.when(t.is_in(list(TITLE_LEVELS))).then(t).alias(s.name)).to_series()


def parse_flag(s: pl.Series) -> pl.Series:
    """Yes/no flags (是/否, 1/0, true/false, Y/N) → Boolean; anything else → null."""
    t = _text(s)
    out = pl.when(t.is_in(["是", "1", "true", "y", "yes"])).then(True).when(t.is_in(["否", "0", "false", "n", "no"]))
    return pl.select(out.then(False).alias(s.name)).to_series()


def parse_date_values(s: pl.Series) -> pl.Series:
    """Dates in any delivered format → Date (null when unparseable)."""
    return parse_dates(s)["date"].alias(s.name)


def parse_month_values(s: pl.Series) -> pl.Series:
    """Year-months in any delivered format → the first day of the month (null when unparseable)."""
    return parse_yyyymm(s)["date"].alias(s.name)


def normalise_cert_no(s: pl.Series) -> pl.Series:
    """Degree certificate numbers with one bracket style and no trailing 号 (教留服认美[2019]03157)."""
    t = null_placeholders(s.cast(pl.Utf8)).str.to_uppercase().str.replace_all(r"[\s\-]", "")
    t = t.str.replace_all(r"[〔【(]", "[").str.replace_all(r"[〕】)]", "]").str.replace(r"号$", "")
    return pl.select(pl.when(t.str.len_chars() > 0).then(t).alias(s.name)).to_series()


def status_is(s: pl.Series, value: str, known: tuple[str, ...]) -> pl.Series:
    """Whether a status (already cleaned) is `value`: null when it is missing or none of the
    source's `known` values (an off-list status says nothing about being employed or in custody)."""
    return pl.select(pl.when(s.is_in(known)).then(s == value).alias(s.name)).to_series()


def clean_text(s: pl.Series) -> pl.Series:
    """Free text (employer names, majors, custodians): NFKC, trimmed, placeholders → null."""
    return null_placeholders(s.cast(pl.Utf8))


@functools.cache
def load_districts() -> pl.DataFrame:
    """Chongqing's districts and counties: `code`, `name`, `aliases` (`;`-separated)."""
    source = resources.files("warehouse.serve") / "data" / "cq_districts.csv"
    with source.open("rb") as f:
        return pl.read_csv(f, infer_schema=False)


@functools.cache
def _district_names() -> dict[str, str]:
    table = load_districts()
    names = {n: n for n in table["name"]}
    for name, aliases in table.select("name", "aliases").iter_rows():
        names.update(dict.fromkeys(filter(None, (aliases or "").split(";")), name))
    return names


def standardise_districts(s: pl.Series) -> pl.Series:
    """District as typed (渝北, 重庆市渝北区, 重庆渝北区) → official name (渝北区); unknown → null."""
    bare = null_placeholders(s.cast(pl.Utf8)).str.replace_all(r"\s", "").str.replace(r"^重庆市?", "")
    return bare.replace_strict(_district_names(), default=None, return_dtype=pl.Utf8).alias(s.name)


def uscc_division(s: pl.Series) -> pl.Series:
    """The registering authority's division code of an 18-character credit code (chars 3–8)."""
    code = s.cast(pl.Utf8).str.strip_chars().str.to_uppercase()
    return pl.select(
        pl.when(code.str.contains(r"^[0-9A-Z]{2}[0-9]{6}[0-9A-Z]{10}$")).then(code.str.slice(2, 6)).alias(s.name)
    ).to_series()


def district_of_division(s: pl.Series) -> pl.Series:
    """Official Chongqing district name of a division code; null outside the district list."""
    table = load_districts()
    return s.replace_strict(dict(zip(table["code"], table["name"], strict=True)), default=None, return_dtype=pl.Utf8)


def employer_kind_of_uscc(s: pl.Series) -> pl.Series:
    """What the credit code's registering authority tells: 11 → 机关, 12 → 事业单位, 5x → 其他, 9x → 企业."""
    code = s.cast(pl.Utf8).str.strip_chars()
    out = (
        pl.when(code.str.starts_with("11"))
        .then(pl.lit("机关"))
        .when(code.str.starts_with("12"))
        .then(pl.lit("事业单位"))
        .when(code.str.starts_with("5"))
        .then(pl.lit("其他"))
        .when(code.str.starts_with("9"))
        .then(pl.lit("企业"))
    )
    return pl.select(out.alias(s.name)).to_series()


@functools.cache
def country_names() -> pl.DataFrame:
    """ISO 3166-1 alpha-3 `code` → Chinese short name `name_zh` (美国, 英国, 中国香港 ...)."""
    zh = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    rows = [
        (c.alpha_3, REGION_NAMES.get(c.alpha_3) or zh.gettext(getattr(c, "common_name", c.name)))
        for c in pycountry.countries
    ]
    return pl.DataFrame(rows, schema={"code": pl.Utf8, "name_zh": pl.Utf8}, orient="row")
