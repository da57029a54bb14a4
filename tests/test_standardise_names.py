"""Chinese names in Hanzi (contract README: Names)."""

import polars as pl
import pytest

from dedup.standardise import parse_latin_names, standardise_names


def one(value: str | None) -> dict:
    return standardise_names(pl.Series([value], dtype=pl.Utf8)).row(0, named=True)


@pytest.mark.parametrize("written", ["張三", "张 三", "张\u3000三", " 张三\t", "張\u200b三"])
def test_traditional_characters_and_spaces(written: str) -> None:
    row = one(written)
    assert (row["name"], row["surname"], row["given_name"]) == ("张三", "张", "三")
    assert (row["surname_pinyin"], row["given_pinyin"], row["name_pinyin"]) == ("ZHANG", "SAN", "ZHANGSAN")
    assert not row["name_is_latin"]
    assert not row["name_has_unknown_char"]


@pytest.mark.parametrize("separator", ["·", "•", ".", "・", "-", "‧", "．", "･", " · ", "—", "–"])
def test_minority_name_separators_are_unified(separator: str) -> None:
    row = one(f"买买提{separator}艾力")
    assert (row["name"], row["surname"], row["given_name"]) == ("买买提·艾力", "买买提", "艾力")
    assert row["name_pinyin"] == "MAIMAITIAILI"


@pytest.mark.parametrize("written", ["王?明", "王？明", "王\ufffd明"])
def test_substituted_rare_character(written: str) -> None:
    row = one(written)
    assert row["name"] == "王?明"
    assert row["name_has_unknown_char"]
    assert (row["surname_pinyin"], row["given_pinyin"]) == ("WANG", "?MING")


@pytest.mark.parametrize(
    ("name", "surname_pinyin"),
    [
        ("曾小贤", "ZENG"),
        ("单田芳", "SHAN"),
        ("解晓东", "XIE"),
        ("区永健", "OU"),
        ("查良镛", "ZHA"),
        ("仇英", "QIU"),
        ("覃雪", "QIN"),
        ("朴树", "PIAO"),
        ("盖聂", "GE"),
        ("缪斯", "MIAO"),
        ("乐嘉", "YUE"),
        ("秘书", "BI"),
        ("吕布", "LYU"),
        ("女娲", "NYU"),
    ],
)
def test_heteronym_surnames_use_the_surname_reading(name: str, surname_pinyin: str) -> None:
    assert one(name)["surname_pinyin"] == surname_pinyin


@pytest.mark.parametrize(
    ("name", "surname", "given", "surname_pinyin"),
    [
        ("欧阳修", "欧阳", "修", "OUYANG"),
        ("歐陽震華", "欧阳", "震华", "OUYANG"),
        ("司马相如", "司马", "相如", "SIMA"),
        ("诸葛亮", "诸葛", "亮", "ZHUGE"),
        ("上官婉儿", "上官", "婉儿", "SHANGGUAN"),
        ("尉迟恭", "尉迟", "恭", "YUCHI"),
        ("万俟卨", "万俟", "卨", "MOQI"),
        ("长孙无忌", "长孙", "无忌", "ZHANGSUN"),
        ("欧阳", "欧", "阳", "OU"),  # two characters: single surname
    ],
)
def test_compound_surnames(name: str, surname: str, given: str, surname_pinyin: str) -> None:
    row = one(name)
    assert (row["surname"], row["given_name"], row["surname_pinyin"]) == (surname, given, surname_pinyin)


def test_given_name_u_umlaut_uses_passport_spelling() -> None:
    assert one("吕绿")["name_pinyin"] == "LYULYU"


@pytest.mark.parametrize("written", ["Zhang Sanfeng", "ZHANG SANFENG", "zhang, sanfeng", "Sanfeng ZHANG"])
def test_name_typed_in_pinyin(written: str) -> None:
    row = one(written)
    assert row["name_is_latin"]
    assert row["name"] == "ZHANG SANFENG"
    assert (row["surname"], row["given_name"]) == (None, None)
    assert (row["surname_pinyin"], row["given_pinyin"], row["name_pinyin"]) == ("ZHANG", "SANFENG", "ZHANGSANFENG")


def test_hanzi_lyu_matches_every_romanised_lyu() -> None:
    hanzi = one("吕小明")["surname_pinyin"]
    latin = parse_latin_names(pl.Series(["LYU XIAOMING", "LV XIAOMING", "LU XIAOMING", "LÜ XIAOMING"]))
    assert all(hanzi in candidates for candidates in latin["surname_pinyin_candidates"])


def test_mixed_hanzi_and_pinyin() -> None:
    row = one("王yan")
    assert (row["name"], row["surname"], row["name_pinyin"]) == ("王YAN", "王", "WANGYAN")


@pytest.mark.parametrize("value", [None, "", "无", "不详", "/", "-", "NULL", "·", "x" * 1000])
def test_placeholders_and_junk_give_null(value: str | None) -> None:
    row = one(value)
    assert row["name"] is None
    assert row["name_pinyin"] is None
    assert row["name_has_unknown_char"] is False
    assert row["name_is_latin"] is False
