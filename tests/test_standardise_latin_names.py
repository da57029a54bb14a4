"""Passport-style romanised names (contract README: Romanised names)."""

import polars as pl
import pytest

from dedup.standardise import parse_latin_names


def one(value: str | None) -> dict:
    return parse_latin_names(pl.Series([value], dtype=pl.Utf8)).row(0, named=True)


@pytest.mark.parametrize(
    "written",
    [
        "ZHANG SANFENG",
        "ZHANG, SANFENG",
        "ZHANG,SANFENG",
        "SANFENG ZHANG",
        "ZHANG/SANFENG",
        "zhang sanfeng",
        "Sanfeng ZHANG",
        "  ZHANG   SANFENG ",
        "ZHANG SAN-FENG",
        "ZHANG SAN FENG",
        "ZHANGSANFENG",
        "ＺＨＡＮＧ ＳＡＮＦＥＮＧ",
    ],
)
def test_formats_and_order(written: str) -> None:
    row = one(written)
    assert (row["latin_surname"], row["latin_given"]) == ("ZHANG", "SANFENG")
    assert (row["surname_pinyin"], row["given_pinyin"], row["name_pinyin"]) == ("ZHANG", "SANFENG", "ZHANGSANFENG")
    assert row["surname_pinyin_candidates"] == ["ZHANG"]


def test_comma_or_slash_means_surname_first() -> None:
    assert one("LIN, JIAJUN")["latin_surname"] == "LIN"
    assert one("LIN/JIAJUN")["latin_surname"] == "LIN"
    assert one("NA, LI")["latin_surname"] == "NA"  # both words can be surnames: as written
    assert one("AISHAN, REYILA")["latin_surname"] == "AISHAN"  # neither is a known surname: as written


def test_a_given_name_written_before_the_comma() -> None:
    row = one("SANFENG, ZHANG")
    assert (row["latin_surname"], row["latin_given"], row["name_pinyin"]) == ("ZHANG", "SANFENG", "ZHANGSANFENG")
    assert one("KA-LOK/LEUNG")["surname_pinyin_candidates"] == ["LIANG"]


def test_hyphenated_given_name() -> None:
    row = one("WANG XIAO-MING")
    assert (row["latin_given"], row["given_pinyin"]) == ("XIAOMING", "XIAOMING")


@pytest.mark.parametrize(
    ("written", "surname", "candidates"),
    [
        ("LYU XIAOMING", "LYU", ["LYU"]),
        ("LV XIAOMING", "LV", ["LYU"]),
        ("LÜ XIAOMING", "LYU", ["LYU"]),
        ("Lü Xiaoming", "LYU", ["LYU"]),
        ("LU XIAOMING", "LU", ["LU", "LYU"]),  # 陆/卢/鲁, or 吕 in the old spelling
    ],
)
def test_lyu_spellings(written: str, surname: str, candidates: list[str]) -> None:
    row = one(written)
    assert row["latin_surname"] == surname
    assert row["surname_pinyin_candidates"] == candidates
    assert row["surname_pinyin"] == candidates[0]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("CHAN TAI MAN", "CHEN"),
        ("CHEUNG KA YAN", "ZHANG"),
        ("WONG SIU MING", "WANG"),
        ("WONG SIU MING", "HUANG"),
        ("HSU CHIA-HUI", "XU"),
        ("NG WING KEI", "WU"),
        ("LAU TAK WAH", "LIU"),
        ("LEE MEI LING", "LI"),
        ("CHOW YUN FAT", "ZHOU"),
        ("TSANG CHI KEUNG", "ZENG"),
        ("YEUNG WAI", "YANG"),
        ("LAM KA FAI", "LIN"),
        ("HO MAN", "HE"),
        ("KWOK FU SHING", "GUO"),
        ("CHIU WAI", "ZHAO"),
        ("CHIU WAI", "QIU"),
        ("LO KA YAN", "LUO"),
        ("TSE TING FUNG", "XIE"),
        ("FUNG MAN", "FENG"),
        ("LEUNG CHIU WAI", "LIANG"),
        ("TANG WAI", "DENG"),
        ("CHANG CHIA-HUI", "ZHANG"),
        ("CHENG KA WAI", "ZHENG"),
        ("TSAI ING-WEN", "CAI"),
        ("KUO TAI-MING", "GUO"),
        ("HSIEH CHANG-TING", "XIE"),
        ("SZETO WAH", "SITU"),
        ("AU YEUNG KA MAN", "OUYANG"),
    ],
)
def test_hong_kong_and_taiwan_spellings(written: str, expected: str) -> None:
    assert expected in one(written)["surname_pinyin_candidates"]


def test_wong_candidates() -> None:
    assert one("WONG SIU MING")["surname_pinyin_candidates"] == ["WANG", "HUANG"]


def test_compound_surname_in_two_words() -> None:
    assert one("OU YANG XIAOMING")["latin_surname"] == "OUYANG"
    assert one("Xiaoming OUYANG")["latin_surname"] == "OUYANG"


@pytest.mark.parametrize("value", [None, "", "无", "123", "??"])
def test_no_letters_gives_null(value: str | None) -> None:
    assert set(one(value).values()) == {None}
