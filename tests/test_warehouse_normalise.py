"""Source values the serving layer standardises: degrees, titles, flags, districts, credit codes."""

from __future__ import annotations

import polars as pl

from warehouse.serve import normalise as nz
from warehouse.serve.privacy import is_citizen_id


def _s(*values: str | None) -> pl.Series:
    return pl.Series("v", list(values), dtype=pl.Utf8)


def test_degrees_in_any_wording() -> None:
    got = nz.normalise_degree(
        _s("博士学位", "哲学博士", "PhD", "理学硕士", "MSc", "硕士学位", "学士", "BA", "无", "", None)
    )
    assert got.to_list() == ["博士", "博士", "博士", "硕士", "硕士", "硕士", "学士", "学士", "无", None, None]


def test_education_implies_a_degree() -> None:
    got = nz.degree_from_education(_s("博士研究生", "研究生", "硕士", "大学本科", "本科", "大学", "大专", "其他", None))
    assert got.to_list() == ["博士", "硕士", "硕士", "学士", "学士", "学士", "无", "无", None]


def test_flags_titles_and_certificates() -> None:
    assert nz.parse_flag(_s("是", "否", "1", "0", "true", "FALSE", "", None)).to_list() == [
        True,
        False,
        True,
        False,
        True,
        False,
        None,
        None,
    ]
    assert nz.normalise_title_level(_s("副高级", "高级", "无", None)).to_list() == ["副高级", None, "无", None]
    certs = nz.normalise_cert_no(
        _s("教留服认美〔2019〕03157号", "教留服认美【2019】03157", "教留服认美(2019)03157", "无")
    )
    assert certs.to_list() == ["教留服认美[2019]03157"] * 3 + [None]


def test_districts_as_typed() -> None:
    got = nz.standardise_districts(
        _s("渝北", "重庆市渝北区", "重庆渝北区", "石柱", "忠县", "成都市武侯区", "不详", None)
    )
    assert got.to_list() == ["渝北区", "渝北区", "渝北区", "石柱土家族自治县", "忠县", None, None, None]


def test_credit_codes_tell_kind_and_district() -> None:
    codes = _s("11500000MB1234567X", "12500105686252420L", "91500112563022529N", "52500000MJ1234567Y", "bad", None)
    assert nz.employer_kind_of_uscc(codes).to_list() == ["机关", "事业单位", "企业", "其他", None, None]
    division = nz.uscc_division(codes)
    assert division.to_list() == ["500000", "500105", "500112", "500000", None, None]
    assert nz.district_of_division(division).to_list() == [None, "江北区", "渝北区", None, None, None]


def test_country_names_in_chinese() -> None:
    names = dict(nz.country_names().iter_rows())
    assert (names["USA"], names["GBR"], names["HKG"], names["TWN"]) == ("美国", "英国", "中国香港", "中国台湾")


def test_citizen_id_check() -> None:
    assert is_citizen_id("11010519491231002X")
    assert not is_citizen_id("110105194912310021")  # wrong check character
    assert not is_citizen_id("915001177310824415")  # a credit code: no such birth date


def test_an_off_list_status_is_unknown_not_false() -> None:
    statuses = pl.Series(["在职", "离职", "借调中", None])
    assert nz.status_is(statuses, "在职", ("在职", "离职", "退休", "调出")).to_list() == [True, False, None, None]
