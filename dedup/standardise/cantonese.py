"""Chinese names as Hong Kong and Macao documents spell them: Cantonese romanisation.

A Hong Kong or Macao resident's passport, identity card and travel permit carry the whole name in
Cantonese romanisation (陈大文 CHAN TAI MAN, 张家伟 CHEUNG KA WAI; in Macao 黄 VONG, 张 CHEONG).
Readings come from ToJyutping (Jyutping per character, words in context, read in Hong Kong's
traditional characters), surnames in their surname reading (曾 zang1, not cang4). Each Jyutping
syllable is then spelt as the Hong Kong Government Cantonese Romanisation and as Macao's
Portuguese-based romanisation write it, with the tables below (sources: the romanisation tables of
the Chinese Wikipedia articles 香港政府粤语拼音 and 澳门政府粤语拼音; checked against the surnames of
the data contract and the Macao spellings 黄 VONG, 张 CHEONG, 刘 LAO, 李 LEI, 周 CHAO).

Both spellings and the romanised names found in records go through `spelling_key`, which folds
the free variants clerks use for one sound (TS/CH, SH/S, SZE/SI, OO/U, OW/AU/AO, EE/EI/I, V/W, ...)
onto one form. Two names agree when a romanised name's key is one of the Hanzi name's keys, with
the surname first or last.
"""

from __future__ import annotations

import functools
import itertools
import re

import polars as pl

from dedup.standardise._common import to_hong_kong_traditional
from dedup.standardise._surnames import surname_wade_giles, wade_giles_of

# Jyutping initial -> (Hong Kong spelling, Macao spelling).
# fmt: off
INITIALS: dict[str, tuple[str, str]] = {
    "b": ("P", "P"), "p": ("P", "P"), "m": ("M", "M"), "f": ("F", "F"), "d": ("T", "T"),
    "t": ("T", "T"), "n": ("N", "N"), "l": ("L", "L"), "g": ("K", "K"), "k": ("K", "K"),
    "ng": ("NG", "NG"), "h": ("H", "H"), "gw": ("KW", "KU"), "kw": ("KW", "KU"), "w": ("W", "V"),
    "z": ("CH", "CH"), "c": ("CH", "CH"), "s": ("S", "S"), "j": ("Y", "I"), "": ("", ""),
}
# Jyutping final -> (Hong Kong spellings, Macao spellings); the first of each is the usual one.
FINALS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "aa": (("A",), ("A",)), "aai": (("AI",), ("AI",)), "aau": (("AU",), ("AU",)),
    "aam": (("AM",), ("AM",)), "aan": (("AN",), ("AN",)), "aang": (("ANG",), ("ANG",)),
    "aap": (("AP",), ("AP",)), "aat": (("AT",), ("AT",)), "aak": (("AK",), ("AC", "AK")),
    "ai": (("AI",), ("AI",)), "au": (("AU",), ("AO", "AU")), "am": (("AM", "UM"), ("AM",)),
    "an": (("AN", "UN"), ("AN",)), "ang": (("ANG",), ("ANG",)), "ap": (("AP",), ("AP",)),
    "at": (("AT",), ("AT",)), "ak": (("AK",), ("AC", "AK")),
    "e": (("E",), ("E",)), "ei": (("EI",), ("EI",)), "eu": (("EU",), ("EU",)), "em": (("EM",), ("EM",)),
    "eng": (("ENG",), ("ENG", "EANG")), "ep": (("EP",), ("EP",)), "ek": (("EK",), ("EC", "EK")),
    "i": (("I",), ("I",)), "iu": (("IU",), ("IO", "IU")), "im": (("IM",), ("IM",)), "in": (("IN",), ("IN",)),
    "ing": (("ING",), ("ENG", "ING")), "ip": (("IP",), ("IP",)), "it": (("IT",), ("IT",)),
    "ik": (("IK",), ("EK", "IK")),
    "o": (("O",), ("O",)), "oi": (("OI",), ("OI",)), "ou": (("O",), ("OU",)), "on": (("ON",), ("ON",)),
    "ong": (("ONG",), ("ONG",)), "ot": (("OT",), ("OT",)), "ok": (("OK",), ("OC", "OK")),
    "oe": (("OE",), ("OE",)), "oeng": (("EUNG",), ("EONG",)), "oek": (("EUK",), ("EOC", "EOK")),
    "eoi": (("UI",), ("OI", "UI")), "eon": (("UN",), ("ON", "UN")), "eot": (("UT",), ("OT",)),
    "u": (("U",), ("U",)), "ui": (("UI",), ("UI",)), "un": (("UN",), ("UN",)), "ung": (("UNG",), ("ONG", "UNG")),
    "ut": (("UT",), ("UT",)), "uk": (("UK",), ("OK", "UK")),
    "yu": (("U",), ("U",)), "yun": (("UEN",), ("UN",)), "yut": (("UET",), ("UT",)),
    "m": (("M",), ("M",)), "ng": (("NG",), ("NG",)),
}
# fmt: on
# Macao writes a j- syllable without the initial before i and yu (叶 IP, 余 U), and some with IE/IO.
_MACAO_J_FINALS = {"ik": ("IEK",), "ing": ("IENG",), "uk": ("IOK",), "ung": ("IONG",)}

# Surname readings where ToJyutping's first reading is not the surname's (曾 is zang1 as a surname).
# fmt: off
SURNAME_JYUTPING = {
    "曾": "zang", "区": "au", "单": "sin", "解": "haai", "查": "zaa", "朴": "piu", "覃": "cam",
    "翟": "zaak", "缪": "miu", "盖": "koi", "宁": "ning", "秘": "bei", "繁": "po", "员": "wan",
    "句": "gau", "折": "sit", "藏": "zong", "冼": "sin", "尉迟": "wat ci", "万俟": "mak kei",
    "单于": "sin jyu", "长孙": "zoeng syun", "乐": "lok", "任": "jam", "沈": "sam", "石": "sek",
    "华": "waa", "召": "siu", "种": "zung", "能": "nai", "祭": "zaai", "隗": "ngai",
}
# fmt: on

# Free spelling variants of one sound, folded in order (a later rule sees the earlier ones' output).
# Written for polars' regex engine (no look-around): a captured neighbour is put back.
SPELLING_RULES: tuple[tuple[str, str], ...] = (
    (r"[^A-Z]", ""),  # spaces, hyphens, commas: the key is the letters only
    (r"TSZ", "CHI"),  # 子 TSZ / CHI
    (r"SZE?", "SI"),  # 思 SZE / SZ / SI
    (r"SH", "S"),  # 山 SHAN / SAN
    (r"TS", "CH"),  # 曾 TSANG / CHANG
    (r"V", "W"),  # Macao 黄 VONG, HK WONG
    (r"C([^H]|$)", "K$1"),  # Macao 特 TAC, HK TAK
    (r"EONG", "EUNG"),  # Macao 张 CHEONG, HK CHEUNG
    (r"EOK", "EUK"),
    (r"OO", "U"),  # 潘 POON / PUN
    (r"OW", "AU"),  # 周 CHOW / CHAU
    (r"AO", "AU"),  # Macao 刘 LAO
    (r"OY", "OI"),  # 蔡 CHOY / CHOI
    (r"AW", "O"),  # 罗 LAW / LO
    (r"OR([^AEIOU]|$)", "O$1"),  # 左 CHOR / CHO
    (r"([AO])H([^AEIOUY]|$)", "$1$2"),  # 华 WAH / WA, 罗 LOH / LO
    (r"OU", "O"),  # Macao 苏 SOU, HK SO
    (r"E[EI]", "I"),  # 李 LEE / LEI / LI
    (r"UE([NT])", "U$1"),  # 袁 YUEN / Macao UN, 月 YUET / UT
    (r"YU", "U"),  # 余 YU / Macao U
    (r"KU([AEIO])", "KW$1"),  # Macao 郭 KUOK, HK KWOK
    (r"IO", "IU"),  # Macao 萧 SIO, HK SIU
    (r"I([AE])", "Y$1"),  # Macao 杨 IEONG, HK YEUNG
    (r"YI", "I"),  # 叶 YIP / IP
)
_COMPILED_RULES = tuple((re.compile(p), r.replace("$", "\\")) for p, r in SPELLING_RULES)
_JYUTPING = re.compile(r"(gw|kw|ng|[bpmfdtnlgkhwzcsj])?([a-z]+)")


def spelling_key(text: str) -> str:
    """Fold a romanised name (any case, any separators) onto one spelling: `Tsang Tsz-ho` -> CHANGCHIHO."""
    key = text.upper()
    for pattern, replacement in _COMPILED_RULES:
        key = pattern.sub(replacement, key)
    return key


def spelling_keys(names: pl.Expr) -> pl.Expr:
    """`spelling_key` as a polars expression, for many romanised names at once."""
    for pattern, replacement in SPELLING_RULES:
        names = names.str.replace_all(pattern, replacement)
    return names


@functools.cache
def syllable_spellings(syllable: str) -> tuple[str, ...]:
    """Hong Kong and Macao spellings of one Jyutping syllable (tone optional): gwok3 -> (KWOK, KUOK, KUOC)."""
    toneless = syllable.lower().rstrip("123456")
    match = _JYUTPING.fullmatch(toneless)
    if toneless in ("m", "ng"):  # 吴 ng4, 唔 m4: a syllabic nasal, not an initial
        initial, final = "", toneless
    elif match is not None:
        initial, final = match[1] or "", match[2]
    else:
        return ()
    if final not in FINALS:
        return ()
    (hk_initial, macao_initial), (hk_finals, macao_finals) = INITIALS[initial], FINALS[final]
    spellings = [hk_initial + f for f in hk_finals]
    if initial == "j" and final.startswith(("i", "yu")):
        spellings += _MACAO_J_FINALS.get(final, macao_finals)
    elif initial == "j" and final in _MACAO_J_FINALS:
        spellings += _MACAO_J_FINALS[final]
    else:
        spellings += [macao_initial + f for f in macao_finals]
    return tuple(dict.fromkeys(spellings))


@functools.cache
def _readings(text: str) -> tuple[str, ...]:
    """Jyutping syllables of Hanzi text, read as words in context (empty if a character has none).

    Read in Hong Kong's traditional characters: a simplified character can stand for several
    traditional ones, and ToJyutping ranks their readings together (达 dai3, 達 daat6)."""
    import ToJyutping

    readings = tuple(j for _, j in ToJyutping.get_jyutping_list(to_hong_kong_traditional(text)))
    return () if any(r is None for r in readings) else tuple(r for j in readings for r in j.split())


def _surname_readings(surname: str) -> tuple[str, ...]:
    if surname in SURNAME_JYUTPING:
        return tuple(SURNAME_JYUTPING[surname].split())
    return _readings(surname)


def _spelt(readings: tuple[str, ...]) -> list[str]:
    """Every spelling of a run of syllables, glued (HK and Macao choices per syllable)."""
    options = [syllable_spellings(r) for r in readings]
    if not options or any(not o for o in options):
        return []
    return ["".join(parts) for parts in itertools.product(*options)]


def cantonese_spellings(surname: str, given: str) -> list[str]:
    """Every Hong Kong and Macao spelling of a Hanzi name, glued, surname first or last (陈, 大文 ->
    CHANTAIMAN, TAIMANCHAN, ...); empty when a character has no Cantonese reading."""
    surnames = _spelt(_surname_readings(surname))
    givens = _spelt(_readings(given)) if given else [""]
    return [s + g for s in surnames for g in givens] + [g + s for s in surnames for g in givens if g]


def cantonese_name_keys(surname: str, given: str) -> tuple[str, ...]:
    """`spelling_key`s of `cantonese_spellings`, sorted."""
    return tuple(sorted({spelling_key(k) for k in cantonese_spellings(surname, given)}))


def taiwan_spellings(surname: str, given: str) -> list[str]:
    """A Hanzi name as a Taiwan passport spells it (Wade-Giles), glued, surname first or last."""
    spelt_given = wade_giles_of(given) if given else ""
    if spelt_given is None:
        return []
    spelt_surname = surname_wade_giles(surname)
    return [spelt_surname + spelt_given] + ([spelt_given + spelt_surname] if spelt_given else [])


def regional_names(surname: pl.Series, given: pl.Series, region: pl.Series) -> pl.Series:
    """The spelling keys of each Hanzi name as its holder's documents spell it: Cantonese where
    `region` is HKMO (Hong Kong or Macao), Wade-Giles where it is TW (Taiwan); null elsewhere, or
    where the surname is null or a character has no reading. Spellings are generated once per
    distinct name and folded to keys (`spelling_key`) in one vectorised pass."""
    rows = pl.DataFrame({"s": surname, "g": given, "r": region})
    distinct = rows.unique().filter(pl.col("s").is_not_null() & pl.col("r").is_in(["HKMO", "TW"]))
    spell = {"HKMO": cantonese_spellings, "TW": taiwan_spellings}
    spelt = distinct.with_columns(
        pl.Series("key", [spell[r](s, g or "") for s, g, r in distinct.iter_rows()], dtype=pl.List(pl.Utf8))
    )
    table = (
        spelt.explode("key")
        .drop_nulls("key")
        .with_columns(spelling_keys(pl.col("key")))
        .group_by("s", "g", "r")
        .agg(pl.col("key").unique().sort().alias("keys"))
    )
    joined = rows.join(table, on=["s", "g", "r"], how="left", nulls_equal=True, maintain_order="left")
    return joined["keys"].alias("regional_names")


def romanised_name_keys(names: pl.Series) -> pl.Series:
    """`spelling_key` of romanised names as written (words in their order), null when none is left."""
    key = spelling_keys(pl.col("name").str.normalize("NFKD").str.to_uppercase())
    frame = pl.DataFrame({"name": names}, schema={"name": pl.Utf8})
    return frame.select(pl.when(key.str.len_chars() > 0).then(key)).to_series().alias("latin_name_key")
