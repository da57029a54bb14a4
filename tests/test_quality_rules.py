"""Quality rules and validation frames: pure logic, no Great Expectations run."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from quality.prepare import delivery_frame, mask, normalise_enum, row_samples, rows_frame
from quality.rules import ROWS_SUITE, Severity, default_config, delivery_rules, load_config, row_rules
from sources.contract import load_contract

CONTRACT = load_contract()


def test_rules_follow_the_contract() -> None:
    rules = {r.name: r for r in row_rules(CONTRACT["archives"].person_file, default_config())}
    assert rules["required:custodian"].severity is Severity.BLOCK_ROWS
    assert rules["required:custodian"].suite == ROWS_SUITE
    assert rules["enum:status"].kwargs["value_set"] == ["在库", "已转出"]
    assert rules["id_checksum:id_number"].severity is Severity.WARN
    assert rules["id_checksum:id_number"].kwargs["mostly"] == 0.95
    assert rules["birth_plausible:birth_date"].kwargs == {
        "column": "birth_date__year",
        "min_value": 1930,
        "max_value": 2010,
    }
    # an empty record key is already quarantined at ingest
    assert "required:archive_no" not in rules
    assert rules["enum:status"].title == "档案状态（status）取值须在契约枚举内：在库/已转出"


def test_survey_checks_return_after_departure_and_uscc_only_where_present() -> None:
    survey = {r.name for r in row_rules(CONTRACT["survey"].person_file, default_config())}
    assert "return_after_departure" in survey
    assert not any(name.startswith("uscc_format") for name in survey)
    si = {r.name: r for r in row_rules(CONTRACT["social_insurance"].person_file, default_config())}
    assert si["uscc_format:employer_uscc"].severity is Severity.WARN


def test_config_rejects_a_severity_a_rule_cannot_have(tmp_path: Path) -> None:
    text = Path("quality/rules.yaml").read_text(encoding="utf-8").replace("enum: block_rows", "enum: reject_delivery")
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="enum"):
        load_config(path)
    warn = tmp_path / "warn.yaml"
    warn.write_text(
        Path("quality/rules.yaml")
        .read_text(encoding="utf-8")
        .replace("row_count_drop: reject_delivery", "row_count_drop: warn"),
        encoding="utf-8",
    )
    assert {r.name: r.severity for r in delivery_rules(load_config(warn))}["row_count_drop"] is Severity.WARN


def test_enum_values_tolerate_spaces_case_and_placeholders() -> None:
    sexes = pl.Series("sex", ["男 ", "\u3000女", "男性", "无", "", None, "不详"])
    assert normalise_enum(sexes, ("男", "女")).to_list() == ["男", "女", "男性", None, None, None, None]
    # a placeholder that is itself an enum value stays
    assert normalise_enum(pl.Series(["0", "1", "/"]), ("1", "0")).to_list() == ["0", "1", None]
    assert normalise_enum(pl.Series(["m", "f ", "x"]), ("M", "F")).to_list() == ["M", "F", "x"]


def test_rows_frame_derives_the_statuses_the_expectations_test() -> None:
    spec = CONTRACT["survey"].person_file
    bronze = pl.DataFrame(
        {c.field: [None, None, None] for c in spec.columns} | {"line_no": [2, 3, 4], "record_key": ["a", "b", "c"]},
        schema={c.field: pl.Utf8 for c in spec.columns} | {"line_no": pl.Int64, "record_key": pl.Utf8},
    ).with_columns(
        pl.Series("id_number", ["11010119900307425X", "110101199003074250", "E12345678"]),
        pl.Series("birth_date", ["1990-03-07", "2021-02-30", "1925/1/1"]),
        pl.Series("departure_month", ["2010-09", "2012.9", None]),
        pl.Series("return_month", ["2014年7月", "201109", "2015-01"]),
        pl.Series("sex", ["男", "女 ", "M"]),
    )
    rules = row_rules(spec, default_config())
    frame = rows_frame(bronze, spec, rules)
    assert frame["id_number__checksum"].to_list()[1:] == ["校验位错误", None]
    assert frame["birth_date__parse"].to_list() == ["可解析", "日期不存在", "可解析"]
    assert frame["birth_date__year"].to_list() == [1990, None, 1925]
    assert frame["sex"].to_list() == ["男", "女", "M"]
    ordered = frame.select(pl.col("return_month__date") >= pl.col("departure_month__date")).to_series().to_list()
    assert ordered == [True, False, None]


def test_delivery_frame_drop_share() -> None:
    frame = delivery_frame(
        [
            {"file": "a.csv", "missing_headers": [], "rows_read": 20, "manifest_rows": 20, "previous_rows": 100},
            {
                "file": "b.csv",
                "missing_headers": ["姓名"],
                "rows_read": 120,
                "manifest_rows": 121,
                "previous_rows": 100,
            },
            {"file": "c.csv", "missing_headers": [], "rows_read": 5, "manifest_rows": 5, "previous_rows": None},
        ]
    )
    assert frame["drop_share"].to_list() == [0.8, 0.0, None]
    assert frame["missing_headers"].to_list() == [None, "姓名", None]


def test_samples_mask_personal_numbers() -> None:
    assert mask("500103199001011234") == "500103********1234"
    assert mask("13812345678") == "138****5678"
    bronze = pl.DataFrame({"line_no": [7, 9], "record_key": ["K1", "K2"], "id_number": ["500103199001011234", None]})
    assert row_samples(bronze, [9, 7], "id_number", 5) == [
        {"行号": 9, "记录键": "K2", "值": None},
        {"行号": 7, "记录键": "K1", "值": "500103********1234"},
    ]
