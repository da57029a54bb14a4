"""Majors to catalogue codes, and numbers in int columns (contract: job_postings 专业要求, 年龄上限)."""

import polars as pl
import pytest

from dedup.standardise import major_names, parse_numbers, standardise_majors
from dedup.standardise.majors import load_major_aliases, load_majors


def codes(value: str | None) -> list[str] | None:
    out = standardise_majors(pl.Series([value], dtype=pl.Utf8))["codes"].item()
    return None if out is None else list(out)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("计算机科学与技术", ["080901"]),
        ("计算机", ["080901"]),
        ("CS", ["080901"]),
        ("Computer Science", ["080901"]),
        ("computer science & technology", ["080901"]),
        ("計算機科學與技術", ["080901"]),
        ("计算机科学与技术专业", ["080901"]),
        ("计算机科学与技术（人工智能方向）", ["080901"]),
        ("MSc Computer Science", ["080901"]),
        ("Master of Science in Computer Science", ["080901"]),
        ("计算机类", ["0809"]),
        ("计算机相关专业", ["0809"]),
        ("软件工程、计算机相关专业", ["080902", "0809"]),
        ("法学或经济学", ["030101K", "020101"]),
        ("临床医学，药学；护理学", ["100201K", "100701", "101101"]),
        ("EE/ME", ["080601", "080201"]),
        ("MBA", ["120201K"]),
        ("理工科", ["07", "08"]),
        ("控制科学与工程", ["0808"]),  # a graduate discipline: its undergraduate 专业类
        ("金融学", ["020301K"]),
        ("机器人学", None),
        ("无", None),
        (None, None),
    ],
)
def test_majors_to_codes(written: str | None, expected: list[str] | None) -> None:
    assert codes(written) == expected


@pytest.mark.parametrize("written", ["不限", "专业不限", "不限专业", " 不限 "])
def test_any_major(written: str) -> None:
    out = standardise_majors(pl.Series([written]))
    assert out["any_major"].item() and out["codes"].item() is None


def test_catalogue_is_consistent() -> None:
    majors = load_majors()
    known = set(majors["code"])
    assert majors["code"].is_unique().all()
    assert majors.filter(pl.col("level") == "专业类").height == 93
    assert set(majors.filter(pl.col("level") != "门类")["parent"]) <= known  # every parent is in the catalogue
    assert (majors.filter(pl.col("parent").is_not_null()).select(pl.col("code").str.starts_with(pl.col("parent"))))[
        "code"
    ].all()
    aliases = load_major_aliases()
    assert {c for codes in aliases["codes"] for c in codes.split(";")} <= known
    assert major_names()["0809"] == "计算机类"


def test_text_in_number_columns_is_unknown() -> None:
    values = pl.Series(["35", "35周岁", "面议", "8千", "１２,０００", "35.0", "3.5", "", "0"])
    assert parse_numbers(values, whole=True).to_list() == [35, None, None, None, 12000, 35, None, None, None]
    assert parse_numbers(values).to_list() == [35.0, None, None, None, 12000.0, 35.0, 3.5, None, None]
