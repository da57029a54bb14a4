"""Countries and institutions (contract README: Countries; institutions)."""

import polars as pl
import pytest

from dedup.standardise import load_institutions, standardise_countries, standardise_institutions


def country(value: str | None) -> str | None:
    return standardise_countries(pl.Series([value], dtype=pl.Utf8)).item()


@pytest.mark.parametrize(
    ("written", "iso3"),
    [
        ("美国", "USA"),
        ("美利坚合众国", "USA"),
        ("美國", "USA"),
        ("USA", "USA"),
        ("US", "USA"),
        ("U.S.A.", "USA"),
        ("United States", "USA"),
        ("united states of america", "USA"),
        ("America", "USA"),
        ("英国", "GBR"),
        ("英國", "GBR"),
        ("大不列颠及北爱尔兰联合王国", "GBR"),
        ("UK", "GBR"),
        ("U.K.", "GBR"),
        ("GB", "GBR"),
        ("GBR", "GBR"),
        ("England", "GBR"),
        ("Great Britain", "GBR"),
        ("韩国", "KOR"),
        ("South Korea", "KOR"),
        ("Korea", "KOR"),
        ("日本", "JPN"),
        ("澳大利亚", "AUS"),
        ("澳洲", "AUS"),
        ("加拿大", "CAN"),
        ("德国", "DEU"),
        ("法国", "FRA"),
        ("新加坡", "SGP"),
        ("香港", "HKG"),
        ("中国香港", "HKG"),
        ("澳门", "MAC"),
        ("台湾", "TWN"),
        ("中国台湾", "TWN"),
        ("臺灣", "TWN"),
        ("俄罗斯", "RUS"),
        ("新西兰", "NZL"),
        ("紐西蘭", "NZL"),
        ("荷兰", "NLD"),
        ("瑞士", "CHE"),
        ("瑞典", "SWE"),
        ("意大利", "ITA"),
        ("西班牙", "ESP"),
        ("爱尔兰", "IRL"),
        ("比利时", "BEL"),
        ("马来西亚", "MYS"),
        ("泰国", "THA"),
        ("美国（加州）", "USA"),
        ("the United States", "USA"),
        ("GB", "GBR"),
        ("DEU", "DEU"),
        ("The Netherlands", "NLD"),
    ],
)
def test_countries(written: str, iso3: str) -> None:
    assert country(written) == iso3


@pytest.mark.parametrize("value", [None, "", "火星", "无", "unknown", "na", "no", "in", "it", "n.a."])
def test_unknown_country(value: str | None) -> None:
    assert country(value) is None


@pytest.mark.parametrize(
    "written",
    [
        "UCL",
        "伦敦大学学院",
        "University College London",
        "university college london",
        "University College London (UCL)",
        "伦敦大学学院（UCL）",
        "英国伦敦大学学院",
        "  University   College  London ",
    ],
)
def test_ucl_written_any_way(written: str) -> None:
    out = standardise_institutions(pl.Series([written]))
    assert out.row(0) == ("ucl", "GBR", "top50")


@pytest.mark.parametrize(
    ("written", "institution_id"),
    [
        ("Oxford University", "oxford"),
        ("THE UNIVERSITY OF OXFORD", "oxford"),
        ("University of Harvard", "harvard"),
        ("美国哈佛大学", "harvard"),
        ("東京大學", "utokyo"),
        ("Ecole Polytechnique", "polytechnique"),
        ("University of Sydney (Camperdown campus)", "sydney"),
        ("西北大学(美国)", "northwestern"),
        ("Harvard Univ.", "harvard"),
        ("Univ. of Oxford", "oxford"),
        ("哈佛", "harvard"),
        ("史丹佛大學", "stanford"),
        ("Carnegie Mellon", "cmu"),
        ("University of Illinois at Urbana-Champaign", "uiuc"),
    ],
)
def test_institution_variants(written: str, institution_id: str) -> None:
    assert standardise_institutions(pl.Series([written]))["institution_id"].item() == institution_id


@pytest.mark.parametrize("value", [None, "", "清华大学", "西北大学", "Some College"])
def test_unknown_institution(value: str | None) -> None:
    assert standardise_institutions(pl.Series([value], dtype=pl.Utf8)).row(0) == (None, None, None)


def test_reference_list() -> None:
    institutions = load_institutions()
    assert institutions.columns == ["institution_id", "country_iso3", "tier", "name_zh", "name_en", "aliases"]
    assert institutions["institution_id"].is_unique().all()
    assert set(standardise_countries(institutions["country_iso3"]).to_list()) == set(institutions["country_iso3"])
