"""Cantonese romanisation of Hanzi names, as Hong Kong and Macao documents spell them."""

from __future__ import annotations

import polars as pl
import pytest

from dedup.standardise import regional_names, romanised_name_keys
from dedup.standardise.cantonese import cantonese_name_keys, spelling_key, syllable_spellings


@pytest.mark.parametrize(
    ("surname", "given", "written"),
    [
        ("陈", "大文", "CHAN TAI-MAN"),  # the contract's examples
        ("张", "家伟", "CHEUNG KA WAI"),
        ("曾", "志伟", "TSANG CHI WAI"),  # 曾 in its surname reading zang1, not cang4
        ("李", "嘉诚", "LI KA-SHING"),
        ("刘", "德华", "LAU TAK WAH"),
        ("吴", "家乐", "NG KA LOK"),  # a syllabic nasal
        ("周", "润发", "CHOW YUN FAT"),
        ("潘", "玮柏", "POON WAI PAK"),
        ("邓", "紫棋", "TANG TSZ KEI"),
        ("欧阳", "震华", "AU YEUNG CHUN WAH"),
        ("区", "家麟", "AU KA LUN"),
        ("袁", "咏仪", "YUEN WING YEE"),
        ("叶", "倩文", "YIP SIN MAN"),
    ],
)
def test_hong_kong_spellings(surname: str, given: str, written: str) -> None:
    assert spelling_key(written) in cantonese_name_keys(surname, given)


@pytest.mark.parametrize(
    ("surname", "given", "written"),
    [
        ("黄", "伟明", "VONG VAI MENG"),
        ("张", "志强", "CHEONG CHI KEONG"),
        ("刘", "家豪", "LAO KA HOU"),
        ("李", "伟农", "LEI WAI NONG"),
        ("周", "小玲", "CHAO SIO LENG"),
        ("何", "一诚", "HO IAT SENG"),
        ("崔", "世安", "CHUI SAI ON"),
        ("郑", "志强", "CHEANG CHI KEONG"),
        ("梁", "维特", "LEONG VAI TAC"),
        ("欧阳", "瑜", "AO IEONG U"),
        ("郭", "嘉", "KUOK KA"),
    ],
)
def test_macao_spellings(surname: str, given: str, written: str) -> None:
    assert spelling_key(written) in cantonese_name_keys(surname, given)


def test_surname_first_or_last_and_any_separator() -> None:
    keys = cantonese_name_keys("陈", "大文")
    for written in ("CHAN, Tai Man", "Tai-man CHAN", "CHAN/TAIMAN", "chan tai man"):
        assert spelling_key(written) in keys


def test_a_different_name_does_not_agree() -> None:
    keys = cantonese_name_keys("陈", "大文")
    assert spelling_key("CHAN TAI MING") not in keys
    assert spelling_key("CHEN DAWEN") not in keys  # pinyin is not Cantonese


def test_syllables_and_unknown_characters() -> None:
    assert set(syllable_spellings("gwok3")) >= {"KWOK", "KUOK"}
    assert syllable_spellings("ng4") == ("NG",)
    assert syllable_spellings("xyz") == ()
    assert cantonese_name_keys("陈", "𬌗") == ()


def test_series_functions_keep_rows_and_nulls() -> None:
    names = regional_names(pl.Series(["陈", None, "陈"]), pl.Series(["大文", "大文", "大文"]), pl.Series(["HKMO"] * 3))
    assert names[1] is None and names[0].to_list() == names[2].to_list()
    assert spelling_key("CHAN TAI MAN") in names[0].to_list()
    keys = romanised_name_keys(pl.Series(["Tsang Tsz-ho", None, "--", "CHAN, TAI MAN"]))
    assert keys.to_list() == [spelling_key("TSANG TSZ HO"), None, None, "CHANTAIMAN"]
