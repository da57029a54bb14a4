"""Per-record messiness: how one clean value looks after a given system or person typed it.

Every function takes the clean values of a batch of records and returns them rendered,
each record drawn independently, so one person looks different in every source.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import numpy as np
import opencc
import polars as pl

from returnees.synthetic import reference as ref
from returnees.synthetic.draws import categorical, chance, choose, pick, where
from returnees.synthetic.idnumbers import check_characters, to_old_id
from returnees.synthetic.names import TYPO

PLACEHOLDERS = ("", "无", "不详", "/", "-", "NULL", "null", "0")
PLACEHOLDER_WEIGHTS = (8, 2, 1.5, 1, 1, 0.5, 0.5, 0.5)
MINORITY_SEPARATORS = ("·", "•", ".", "・", "-", "")


# ---------------------------------------------------------------- identity numbers


def typo_ids(rng: np.random.Generator, values: pl.Series, mask: np.ndarray) -> pl.Series:
    """18-digit IDs mistyped where ``mask`` holds: wrong check character, one digit
    changed, or two neighbouring digits swapped."""
    rows = np.flatnonzero(mask & values.str.contains("^[0-9]{17}[0-9X]$").fill_null(False).to_numpy())
    if rows.size == 0:
        return values
    raw = np.frombuffer("".join(values.gather(rows).to_list()).encode(), dtype=np.uint8)
    raw = raw.reshape(-1, 18).copy()
    kind = rng.integers(0, 3, rows.size)
    at = np.arange(rows.size)
    check = check_characters(raw)
    wrong = np.frombuffer(b"0123456789X", dtype=np.uint8)[rng.integers(0, 11, rows.size)]
    wrong = np.where(wrong == check, np.where(check == 48, 49, 48), wrong)
    raw[at[kind == 0], 17] = wrong[kind == 0]
    pos = rng.integers(6, 17, rows.size)
    digit = (raw[at, pos] - 48 + rng.integers(1, 10, rows.size)) % 10 + 48
    raw[at[kind == 1], pos[kind == 1]] = digit[kind == 1]
    left = rng.integers(6, 16, rows.size)
    sel = at[kind == 2]
    a, b = raw[sel, left[sel]].copy(), raw[sel, left[sel] + 1].copy()
    raw[sel, left[sel]], raw[sel, left[sel] + 1] = b, a
    typed = raw.view("S18").ravel().astype("U18")
    return values.scatter(rows, pl.Series(typed, dtype=pl.String))


def format_ids(
    rng: np.random.Generator, values: pl.Series, rates: Mapping[str, float], old_allowed: np.ndarray | None = None
) -> pl.Series:
    """Citizen IDs with the surface quirks at the given per-record ``rates``:
    ``lower_x`` (share of X-ending IDs typed with x), ``fullwidth``, ``spaced`` (spaces or
    dashes inside), ``old`` (15-digit form, only where ``old_allowed``)."""
    n = values.len()
    out = values
    if "old" in rates:
        allowed = np.ones(n, bool) if old_allowed is None else old_allowed
        out = where(chance(rng, n, rates["old"]) & allowed, to_old_id(out), out)
    if "lower_x" in rates:
        out = where(chance(rng, n, rates["lower_x"]), out.str.replace("X", "x", literal=True), out)
    if "spaced" in rates:
        mask = chance(rng, n, rates["spaced"]) & (out.str.len_chars() == 18).fill_null(False).to_numpy()
        sep = np.where(rng.random(n) < 0.5, " ", "-")
        head, mid, tail = out.str.slice(0, 6), out.str.slice(6, 8), out.str.slice(14)
        spaced = head + pl.Series(sep) + mid + pl.Series(sep) + tail
        out = where(mask, where(chance(rng, n, 0.2), out + " ", spaced), out)
    if "fullwidth" in rates:
        out = where(chance(rng, n, rates["fullwidth"]), fullwidth(out), out)
    return out


def fullwidth(values: pl.Series) -> pl.Series:
    """Digits and X written as full-width characters (５００１…)."""
    return values.str.replace_many(list("0123456789Xx"), list("０１２３４５６７８９Ｘｘ"))


def excel_float_text(values: pl.Series) -> pl.Series:
    """What Excel keeps of an 18-digit number: 15 significant digits, the rest zeros."""
    return values.str.slice(0, 15) + "000"


# ---------------------------------------------------------------- names


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


def traditional(values: pl.Series) -> pl.Series:
    """Names converted to traditional characters (张伟 -> 張偉)."""
    unique = values.drop_nulls().unique(maintain_order=True).to_list()
    if not unique:
        return values
    converted = _converter().convert("\n".join(unique)).split("\n")
    return values.replace(dict(zip(unique, converted, strict=True)))


def spread(values: pl.Series, separator: str) -> pl.Series:
    """Characters separated (张 三), as forms that pad two-character names do."""
    return values.str.split("").list.join(separator)


def pinyin_names(rng: np.random.Generator, surname: pl.Series, given: pl.Series) -> pl.Series:
    """A Chinese name typed in pinyin: Zhang Wei / ZHANG WEI / zhangwei / Wei Zhang."""
    cap_s = surname.str.slice(0, 1) + surname.str.slice(1).str.to_lowercase()
    cap_g = given.str.slice(0, 1) + given.str.slice(1).str.to_lowercase()
    style = categorical(rng, surname.len(), [4, 2, 1, 1])
    return choose(
        style, [cap_s + " " + cap_g, surname + " " + given, (surname + given).str.to_lowercase(), cap_g + " " + cap_s]
    )


def typo_names(rng: np.random.Generator, values: pl.Series, mask: np.ndarray) -> pl.Series:
    """One character of the given name replaced by a homophone or look-alike (李娜 -> 李那)."""
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return values
    typed = []
    for name in values.gather(rows).to_list():
        at = next((i for i in range(len(name) - 1, 0, -1) if name[i] in TYPO), None)
        typed.append(name if at is None else name[:at] + TYPO[name[at]] + name[at + 1 :])
    return values.scatter(rows, pl.Series(typed, dtype=pl.String))


def render_names(
    rng: np.random.Generator,
    names: pl.Series,
    latin_surname: pl.Series,
    latin_given: pl.Series,
    rates: Mapping[str, float],
) -> pl.Series:
    """Chinese names with quirks at per-record ``rates``: ``traditional``, ``spaced`` (ASCII
    space between characters), ``fullwidth_space``, ``pinyin``, ``typo``, ``trailing``
    (trailing space) and ``separator`` (minority names: separator other than ·)."""
    n = names.len()
    out = names
    if "typo" in rates:
        out = typo_names(rng, out, chance(rng, n, rates["typo"]))
    if "traditional" in rates:
        out = where(chance(rng, n, rates["traditional"]), traditional(out), out)
    minority = out.str.contains("·", literal=True).to_numpy()
    if "separator" in rates:
        sep = np.asarray(MINORITY_SEPARATORS)[categorical(rng, n, [1, 2, 2, 1.5, 1, 0.5])]
        swap = minority & chance(rng, n, rates["separator"])
        for s in MINORITY_SEPARATORS:
            out = where(swap & (sep == s), out.str.replace("·", s, literal=True), out)
    short = (out.str.len_chars() <= 3).to_numpy() & ~minority
    if "spaced" in rates:
        out = where(chance(rng, n, rates["spaced"]) & short, spread(out, " "), out)
    if "fullwidth_space" in rates:
        out = where(chance(rng, n, rates["fullwidth_space"]) & short, spread(out, "\u3000"), out)
    if "pinyin" in rates:
        pinyin = pinyin_names(rng, latin_surname, latin_given)
        out = where(chance(rng, n, rates["pinyin"]), pinyin, out)
    if "trailing" in rates:
        out = where(chance(rng, n, rates["trailing"]), out + " ", out)
    return out


def resident_traditional(
    rng: np.random.Generator, rendered: pl.Series, names: pl.Series, region: np.ndarray
) -> pl.Series:
    """Hong Kong, Macao and Taiwan residents (``region`` > 0) mostly write their names in traditional
    characters (60 % of their records)."""
    return where((region > 0) & chance(rng, region.size, 0.6), traditional(names), rendered)


def latin_names(
    rng: np.random.Generator, surname: pl.Series, given: pl.Series, hyphenated: pl.Series, is_lyu: np.ndarray
) -> pl.Series:
    """Passport-style romanised names in every layout banks type them in:
    ZHANG SANFENG / ZHANG, SANFENG / SANFENG ZHANG / ZHANG/SANFENG, hyphenated given
    names (SAN-FENG), LYU/LV/LU for 吕, and an occasional mixed-case entry."""
    n = surname.len()
    lyu = pick(("LYU", "LV", "LU"), categorical(rng, n, [5, 3.5, 1.5]))
    sur = where(is_lyu, lyu, surname)
    giv = where(chance(rng, n, 0.06), hyphenated, given)
    layout = categorical(rng, n, [45, 15, 15, 15, 4])
    out = choose(layout, [sur + " " + giv, sur + ", " + giv, giv + " " + sur, sur + "/" + giv, sur + "  " + giv])
    cased = out.str.to_lowercase().str.to_titlecase()
    return where(chance(rng, n, 0.03), cased, out)


# ---------------------------------------------------------------- contact details


def phones(rng: np.random.Generator, mobile: pl.Series, formats: Mapping[str, float]) -> pl.Series:
    """Mobile numbers as typed: plain, +86 13812345678, +8613812345678, 008613812345678,
    138 1234 5678, 138-1234-5678, or a landline 023-6xxxxxxx instead (``landline``)."""
    n = mobile.len()
    a, b, c = mobile.str.slice(0, 3), mobile.str.slice(3, 4), mobile.str.slice(7, 4)
    land = pl.Series(rng.integers(0, 10**7, n)).cast(pl.String).str.zfill(7)
    area = pick(("023-6", "023-8", "(023)6", "0236"), categorical(rng, n, [4, 2, 1, 1]))
    rendered = {
        "plain": mobile,
        "plus86": "+86 " + mobile,
        "plus86_tight": "+86" + mobile,
        "0086": "0086" + mobile,
        "spaced": a + " " + b + " " + c,
        "dashed": a + "-" + b + "-" + c,
        "landline": area + land,
    }
    index = categorical(rng, n, list(formats.values()))
    return choose(index, [rendered[f] for f in formats])


def placeholders(rng: np.random.Generator, values: pl.Series, rate: float) -> pl.Series:
    """Values replaced, at ``rate``, by a token meaning unknown (无, 不详, /, -, NULL, 0, empty)."""
    n = values.len()
    token = pick(PLACEHOLDERS, categorical(rng, n, PLACEHOLDER_WEIGHTS))
    return where(chance(rng, n, rate), token, values)


# ---------------------------------------------------------------- places and institutions


def countries(rng: np.random.Generator, iso3: pl.Series, styles: Mapping[str, float]) -> pl.Series:
    """Study countries in the given styles: zh 美国, formal 美利坚合众国, traditional 美國,
    en United States (or another English form), alpha3 USA, alpha2 US."""
    n = iso3.len()
    table = ref.COUNTRIES
    english = [iso3.replace_strict({c: v[4][k % len(v[4])] for c, v in table.items()}) for k in range(3)]
    rendered = {
        "zh": iso3.replace_strict({k: v[1] for k, v in table.items()}),
        "formal": iso3.replace_strict({k: v[2] for k, v in table.items()}),
        "traditional": iso3.replace_strict({k: v[3] for k, v in table.items()}),
        "en": choose(rng.integers(0, 3, n), english),
        "alpha3": iso3,
        "alpha2": iso3.replace_strict({k: v[0] for k, v in table.items()}),
    }
    index = categorical(rng, n, list(styles.values()))
    return choose(index, [rendered[s] for s in styles])


def institutions(rng: np.random.Generator, index: np.ndarray, styles: Mapping[str, float]) -> pl.Series:
    """Institution names: zh 伦敦大学学院, en University College London, alias UCL,
    upper UNIVERSITY COLLEGE LONDON."""
    insts = ref.institutions()
    zh = pick([i.name_zh for i in insts], index)
    en = pick([i.name_en for i in insts], index)
    aliases = [
        pick([i.aliases[k % len(i.aliases)] if i.aliases else i.name_en for i in insts], index) for k in range(3)
    ]
    alias = choose(rng.integers(0, 3, index.size), aliases)
    rendered = {"zh": zh, "en": en, "alias": alias, "upper": en.str.to_uppercase()}
    chosen = categorical(rng, index.size, list(styles.values()))
    return choose(chosen, [rendered[s] for s in styles])


def districts(rng: np.random.Generator, values: pl.Series) -> pl.Series:
    """Districts as typed: 渝北区, 重庆市渝北区, 渝北, 重庆渝北区."""
    n = values.len()
    bare = values.str.replace(r"(区|县)$", "")
    style = categorical(rng, n, [85, 8, 5, 2])
    return choose(style, [values, "重庆市" + values, bare, "重庆" + values])


def employer_names(rng: np.random.Generator, values: pl.Series, short_rate: float) -> pl.Series:
    """Employer names with ASCII or full-width brackets and, at ``short_rate``, shortened
    (重庆长安汽车股份有限公司 -> 长安汽车股份有限公司 / 重庆长安汽车)."""
    n = values.len()
    wide = values.str.replace_many(["(", ")"], ["（", "）"])
    out = where(chance(rng, n, 0.4), wide, values)
    short = choose(
        rng.integers(0, 2, n),
        [
            out.str.replace(r"^重庆市?", ""),
            out.str.replace(r"(股份)?有限(责任)?公司$", ""),
        ],
    )
    return where(chance(rng, n, short_rate), short, out)


def cert_numbers(rng: np.random.Generator, values: pl.Series) -> pl.Series:
    """Certificate numbers with bracket variants (〔〕【】()) and the trailing 号 sometimes lost."""
    n = values.len()
    style = categorical(rng, n, [70, 10, 8, 7, 5])
    out = choose(
        style,
        [
            values,
            values.str.replace_many(["[", "]"], ["〔", "〕"]),
            values.str.replace_many(["[", "]"], ["【", "】"]),
            values.str.replace_many(["[", "]"], ["(", ")"]),
            values.str.replace("号", "", literal=True),
        ],
    )
    return where(chance(rng, n, 0.1), out.str.replace("号", "", literal=True), out)
