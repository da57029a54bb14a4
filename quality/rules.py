"""The expectation catalogue: which rules apply to each delivered file, their severity and thresholds.

Rules are derived from the contract (`sources.yaml`: required fields, enum sets, date types) and
from `rules.yaml` (severities and thresholds). Each rule names one Great Expectations expectation
over a validation frame built by `quality.prepare`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sources.contract import Column, FileSpec

CONFIG_PATH = Path(__file__).with_name("rules.yaml")

# Validation suites: one frame each (see quality.prepare).
DELIVERY_SUITE = "delivery"  # one row per delivered file: headers, counts
ROWS_SUITE = "rows"  # one row per bronze row: row-level rules (blocking and warnings)

# Fields the warning rules look at, by canonical name (the same in every source that has them).
ID_FIELDS = ("id_number",)
USCC_FIELDS = ("employer_uscc",)
BIRTH_FIELDS = ("birth_date", "birth_month")
DEPARTURE, RETURN = "departure_month", "return_month"
DATE_TYPES = ("date", "yyyymm")
NUMBER_TYPES = ("int", "decimal")

# Derived columns of the validation frames (see quality.prepare).
VALID = "有效"
PARSEABLE = "可解析"


class Severity(StrEnum):
    """What a failing expectation does."""

    BLOCK_ROWS = "block_rows"  # failing rows go to the quarantine
    REJECT_DELIVERY = "reject_delivery"  # the whole delivery is rejected
    WARN = "warn"  # reported only
    BLOCK_RUN = "block_run"  # warehouse rules: the run does not publish


ROW_KINDS = (
    "required",
    "enum",
    "enum_optional",
    "id_checksum",
    "date_parseable",
    "number_parseable",
    "birth_plausible",
    "return_after_departure",
    "uscc_format",
)
ALLOWED = {kind: (Severity.BLOCK_ROWS, Severity.WARN) for kind in ROW_KINDS} | {
    "row_count_drop": (Severity.REJECT_DELIVERY, Severity.WARN)
}


@dataclass(frozen=True)
class QualityConfig:
    """Severities and thresholds from `rules.yaml`."""

    severity: dict[str, Severity]
    id_checksum_min_valid_share: float
    birth_year: tuple[int, int]
    row_count_max_drop_share: float
    sample_size: int


@dataclass(frozen=True)
class Rule:
    """One expectation: its name (quoted in quarantine reasons), Chinese title, severity and GE call."""

    name: str
    title: str
    severity: Severity
    suite: str
    expectation: str  # class name in great_expectations.expectations
    kwargs: dict[str, Any] = field(default_factory=dict)
    sample_field: str | None = None  # the field whose values a failure sample shows


def load_config(path: Path = CONFIG_PATH) -> QualityConfig:
    """Read and check `rules.yaml`."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    severity = {kind: Severity(value) for kind, value in raw["severity"].items()}
    for kind, value in severity.items():
        if kind not in ALLOWED or value not in ALLOWED[kind]:
            allowed = "/".join(ALLOWED.get(kind, ()))
            raise ValueError(f"{path.name}: 规则类别 {kind} 的严重级别 {value} 无效（可选：{allowed or '无此类别'}）")
    missing = set(ALLOWED) - set(severity)
    if missing:
        raise ValueError(f"{path.name}: 缺少规则类别的严重级别：{', '.join(sorted(missing))}")
    share = float(raw["row_count_max_drop_share"])
    valid_share = float(raw["id_checksum_min_valid_share"])
    if not (0 < share < 1 and 0 < valid_share <= 1):
        raise ValueError(f"{path.name}: 比例阈值须在 0 与 1 之间")
    return QualityConfig(
        severity=severity,
        id_checksum_min_valid_share=valid_share,
        birth_year=(int(raw["birth_year"]["min"]), int(raw["birth_year"]["max"])),
        row_count_max_drop_share=share,
        sample_size=int(raw["sample_size"]),
    )


@cache
def default_config() -> QualityConfig:
    """The repository's `rules.yaml`."""
    return load_config()


def _row_rule(
    config: QualityConfig,
    kind: str,
    column: Column,
    suffix: str,
    title: str,
    expectation: str,
    severity_kind: str | None = None,
    **kw: Any,
) -> Rule:
    """A row rule named `<kind>:<field>`, with the severity configured for `severity_kind` (default `kind`)."""
    severity = config.severity[severity_kind or kind]
    if kind == "id_checksum" and severity is Severity.WARN:
        kw["mostly"] = config.id_checksum_min_valid_share
    return Rule(
        name=f"{kind}:{column.field}",
        title=f"{column.header}（{column.field}）{title}",
        severity=severity,
        suite=ROWS_SUITE,
        expectation=expectation,
        kwargs={"column": column.field + suffix, **kw},
        sample_field=column.field,
    )


def _column_rules(config: QualityConfig, column: Column, key_fields: list[str]) -> list[Rule]:
    rules = []
    if column.required and column.field not in key_fields:  # an empty key is quarantined at ingest
        rules.append(_row_rule(config, "required", column, "", "不得为空", "ExpectColumnValuesToNotBeNull"))
    if column.values:
        # An off-list value in a field the source does not promise is unknown, not a broken record.
        title = f"取值须在契约枚举内：{'/'.join(column.values)}"
        severity_kind = "enum" if column.required else "enum_optional"
        rules.append(
            _row_rule(
                config,
                "enum",
                column,
                "",
                title,
                "ExpectColumnValuesToBeInSet",
                severity_kind=severity_kind,
                value_set=list(column.values),
            )
        )
    if column.field in ID_FIELDS:
        title = f"公民身份号码校验通过率（校验位、出生日期）不低于 {config.id_checksum_min_valid_share:.0%}"
        rules.append(
            _row_rule(
                config, "id_checksum", column, "__checksum", title, "ExpectColumnValuesToBeInSet", value_set=[VALID]
            )
        )
    if column.type in DATE_TYPES:
        rules.append(
            _row_rule(
                config,
                "date_parseable",
                column,
                "__parse",
                "须为可解析且存在的日期",
                "ExpectColumnValuesToBeInSet",
                value_set=[PARSEABLE],
            )
        )
    if column.type in NUMBER_TYPES:
        kind = "整数" if column.type == "int" else "数值"
        rules.append(
            _row_rule(
                config,
                "number_parseable",
                column,
                "__number",
                f"须为{kind}（面议、35周岁、8千等文字视为未知）",
                "ExpectColumnValuesToBeInSet",
                value_set=[PARSEABLE],
            )
        )
    if column.field in BIRTH_FIELDS:
        low, high = config.birth_year
        rules.append(
            _row_rule(
                config,
                "birth_plausible",
                column,
                "__year",
                f"出生年份须在 {low}–{high} 之间",
                "ExpectColumnValuesToBeBetween",
                min_value=low,
                max_value=high,
            )
        )
    if column.field in USCC_FIELDS:
        rules.append(
            _row_rule(
                config,
                "uscc_format",
                column,
                "__uscc",
                "须为有效的统一社会信用代码（GB 32100，含校验位）",
                "ExpectColumnValuesToBeInSet",
                value_set=[VALID],
            )
        )
    return rules


def delivery_rules(config: QualityConfig) -> list[Rule]:
    """Rules on the per-file frame of a delivery: contract headers, manifest count, drop vs previous."""
    drop = config.severity["row_count_drop"]
    share = config.row_count_max_drop_share
    return [
        Rule(
            "contract_headers",
            "契约列出的表头齐全",
            Severity.REJECT_DELIVERY,
            DELIVERY_SUITE,
            "ExpectColumnValuesToBeNull",
            {"column": "missing_headers"},
            "missing_headers",
        ),
        Rule(
            "manifest_rows",
            "读取的记录数与清单一致",
            Severity.REJECT_DELIVERY,
            DELIVERY_SUITE,
            "ExpectColumnPairValuesToBeEqual",
            {"column_A": "rows_read", "column_B": "manifest_rows"},
            "rows_read",
        ),
        Rule(
            "row_count_drop",
            f"记录数较上一交付下降不超过 {share:.0%}",
            drop,
            DELIVERY_SUITE,
            "ExpectColumnValuesToBeBetween",
            {"column": "drop_share", "max_value": share},
            "drop_share",
        ),
    ]


# Not a GE expectation: the ingest stage (manifest, sha256, readable structure) rejected the delivery.
INGEST_RULE = Rule("ingest_accepted", "交付通过采集阶段的清单与结构检查", Severity.REJECT_DELIVERY, DELIVERY_SUITE, "")


def row_rules(file_spec: FileSpec, config: QualityConfig) -> list[Rule]:
    """Row-level rules (blocking and warnings) for one contract file."""
    rules = [rule for column in file_spec.columns for rule in _column_rules(config, column, file_spec.key_fields)]
    fields = {c.field: c for c in file_spec.columns}
    if DEPARTURE in fields and RETURN in fields:
        severity = config.severity["return_after_departure"]
        rules.append(
            Rule(
                name="return_after_departure",
                title=f"{fields[RETURN].header}不得早于{fields[DEPARTURE].header}",
                severity=severity,
                suite=ROWS_SUITE,
                expectation="ExpectColumnPairValuesAToBeGreaterThanB",
                kwargs={
                    "column_A": f"{RETURN}__date",
                    "column_B": f"{DEPARTURE}__date",
                    "or_equal": True,
                    "ignore_row_if": "either_value_is_missing",
                },
                sample_field=RETURN,
            )
        )
    return rules


def rules_version(rules: list[Rule]) -> str:
    """A fingerprint of the rules: stored results are reused only under the same rules."""
    text = json.dumps([asdict(r) for r in rules], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
