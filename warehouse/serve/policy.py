"""The policy library (`warehouse/serve/policies/*.yaml`) and its evaluation over `person_profile`.

Each YAML file is one measure: its source document, and conditions over profile columns, each
with the clause it comes from and the evidence that proves it. A condition's `rule` is a small
expression (`{field, op, value}`, combined with `all` / `any` / `not`) compiled to one SQL
boolean, so every person is evaluated at once in DuckDB. SQL's three-valued logic gives the
outcome: true = met, false = not met, null = the profile cannot tell (evidence needed).

Per person and policy (`policy_push`): `not_eligible` when any condition is false (reasons name
the failed conditions and the values seen), else `needs_evidence` when any is unknown (naming the
missing evidence), else `eligible`. Only the talent library (returnees) is evaluated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import duckdb
import polars as pl
import yaml

from warehouse.serve.context import RESTRICTED
from warehouse.serve.dictionary import column_label
from warehouse.store.db import scalar, write_table

OPERATORS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "in": "IN", "not_in": "NOT IN"}
STATUS_LABELS = {"eligible": "符合", "needs_evidence": "需补充材料", "not_eligible": "不符合"}
PROFILE = f"{RESTRICTED}.person_profile"


class PolicyError(ValueError):
    """A policy file that does not follow the library's format."""


@dataclass(frozen=True)
class Condition:
    """One condition of a measure."""

    id: str
    text: str
    clause: str
    rule: dict[str, Any]
    evidence: str
    show: tuple[str, ...]
    document: str | None = None  # when the condition comes from another document than the measure


@dataclass(frozen=True)
class Policy:
    """One measure of the library."""

    id: str
    name: str
    short_name: str
    benefit: str
    issuer: str
    document: str
    number: str | None
    verified: bool
    conditions: tuple[Condition, ...]
    materials: tuple[str, ...] = field(default=())
    file: str = ""


def _fields(rule: dict[str, Any]) -> list[str]:
    """Profile columns a rule reads, in order of appearance."""
    if "field" in rule:
        return [rule["field"]]
    key = next(k for k in ("all", "any", "not") if k in rule)
    parts = rule[key] if key != "not" else [rule[key]]
    return [f for part in parts for f in _fields(part)]


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise PolicyError(f"不支持的取值：{value!r}")


def compile_rule(rule: dict[str, Any], columns: set[str]) -> str:
    """SQL boolean of a rule over profile `columns` (null when the profile cannot tell)."""
    if not isinstance(rule, dict) or len(rule.keys() & {"field", "all", "any", "not"}) != 1:
        raise PolicyError(f"条件规则须且只能含 field / all / any / not 之一：{rule!r}")
    if "all" in rule or "any" in rule:
        key = "all" if "all" in rule else "any"
        parts = [compile_rule(part, columns) for part in rule[key]]
        if not parts:
            raise PolicyError(f"{key} 不能为空")
        return "(" + (" AND " if key == "all" else " OR ").join(parts) + ")"
    if "not" in rule:
        return f"(NOT {compile_rule(rule['not'], columns)})"
    name, op, value = rule["field"], rule.get("op"), rule.get("value")
    if name not in columns:
        raise PolicyError(f"画像中没有字段 {name}")
    if op not in OPERATORS:
        raise PolicyError(f"不支持的运算符 {op!r}（可用：{', '.join(OPERATORS)}）")
    if op in ("in", "not_in"):
        if not isinstance(value, list) or not value:
            raise PolicyError(f"{op} 需要非空列表：{rule!r}")
        return f"({name} {OPERATORS[op]} ({', '.join(map(_literal, value))}))"
    return f"({name} {OPERATORS[op]} {_literal(value)})"


def _condition(entry: dict[str, Any]) -> Condition:
    rule = entry["rule"]
    return Condition(
        id=str(entry["id"]),
        text=str(entry["text"]),
        clause=str(entry["clause"]),
        rule=rule,
        evidence=str(entry["evidence"]),
        show=tuple(entry.get("show") or dict.fromkeys(_fields(rule))),
        document=entry.get("document"),
    )


def parse_policy(text: str, file: str = "") -> Policy:
    """A policy from its YAML text (structure checked; fields are checked when compiled)."""
    data = yaml.safe_load(text)
    try:
        source = data["source"]
        conditions = tuple(_condition(c) for c in data["conditions"])
        policy = Policy(
            id=str(data["id"]),
            name=str(data["name"]),
            short_name=str(data["short_name"]),
            benefit=str(data["benefit"]),
            issuer=str(source["issuer"]),
            document=str(source["document"]),
            number=source.get("number"),
            verified=bool(source["verified"]),
            conditions=conditions,
            materials=tuple(str(m) for m in data.get("materials") or ()),
            file=file,
        )
    except (KeyError, TypeError) as exc:
        raise PolicyError(f"{file or '政策'} 缺少必填项：{exc}") from exc
    if not policy.conditions:
        raise PolicyError(f"{file} 没有条件")
    if len({c.id for c in conditions}) != len(conditions):
        raise PolicyError(f"{file} 的条件编号重复")
    return policy


def load_policies() -> list[Policy]:
    """Every policy of the library, ordered by file name."""
    folder = resources.files("warehouse.serve") / "policies"
    files = sorted((p for p in folder.iterdir() if p.name.endswith(".yaml")), key=lambda p: p.name)
    policies = [parse_policy(p.read_text(encoding="utf-8"), p.name) for p in files]
    if len({p.id for p in policies}) != len(policies):
        raise PolicyError("政策编号重复")
    return policies


def _shown(name: str, types: dict[str, str]) -> str:
    """SQL text of a profile value for a reason (是/否 for booleans, 未知 for null)."""
    kind = types[name]
    if kind == "BOOLEAN":
        value = f"CASE WHEN {name} THEN '是' WHEN NOT {name} THEN '否' END"
    elif kind.endswith("[]"):
        value = f"array_to_string({name}, '、')"
    else:
        value = f"CAST({name} AS VARCHAR)"
    return f"'{column_label(name)}：' || coalesce({value}, '未知')"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def policy_sql(policy: Policy, types: dict[str, str]) -> str:
    """SQL evaluating one policy for every person of the talent library."""
    columns = set(types)
    checks = [compile_rule(c.rule, columns) for c in policy.conditions]
    for c in policy.conditions:
        for name in c.show:
            if name not in columns:
                raise PolicyError(f"{policy.file} 条件 {c.id} 要显示的字段 {name} 不在画像中")
    values = ", ".join(f"{check} AS c{i}" for i, check in enumerate(checks))
    shown = ", ".join(
        f"concat_ws('，', {', '.join(_shown(n, types) for n in c.show)}) AS v{i}"
        for i, c in enumerate(policy.conditions)
    )
    n = range(len(checks))
    failed = ", ".join(
        f"CASE WHEN c{i} IS FALSE THEN {_quote(c.text)} || '（' || v{i} || '）' END"
        for i, c in zip(n, policy.conditions, strict=True)
    )
    missing = ", ".join(
        f"CASE WHEN c{i} IS NULL THEN {_quote(c.evidence)} END" for i, c in zip(n, policy.conditions, strict=True)
    )
    met = ", ".join(f"CASE WHEN c{i} THEN {_quote(c.text)} END" for i, c in zip(n, policy.conditions, strict=True))
    results = ", ".join(
        f"{{'condition_id': {_quote(c.id)}, 'result': CASE WHEN c{i} THEN 'met' WHEN NOT c{i} THEN 'not_met' "
        f"ELSE 'unknown' END}}"
        for i, c in zip(n, policy.conditions, strict=True)
    )
    any_false = " OR ".join(f"c{i} IS FALSE" for i in n)
    any_null = " OR ".join(f"c{i} IS NULL" for i in n)
    keep = "lambda x: x IS NOT NULL"
    return f"""
        SELECT person_id, {_quote(policy.id)} AS policy_id, {_quote(policy.short_name)} AS policy_name,
               CASE WHEN {any_false} THEN 'not_eligible' WHEN {any_null} THEN 'needs_evidence' ELSE 'eligible' END
                   AS status,
               list_filter([{failed}], {keep}) AS failed_conditions,
               list_filter([{missing}], {keep}) AS missing_evidence,
               list_filter([{met}], {keep}) AS met_conditions,
               [{results}] AS condition_results,
               as_of_date AS evaluated_on
        FROM (SELECT person_id, as_of_date, {values}, {shown} FROM {PROFILE} WHERE is_returnee)
    """


def push_sql(policies: list[Policy], types: dict[str, str]) -> str:
    """All policies for all persons, with the status label and the reasons in one sentence."""
    union = " UNION ALL ".join(policy_sql(p, types) for p in policies)
    labels = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in STATUS_LABELS.items())
    return f"""
        SELECT person_id, policy_id, policy_name, status, CASE status {labels} END AS status_label,
               CASE status
                   WHEN 'not_eligible' THEN '不符合：' || array_to_string(failed_conditions, '；')
                   WHEN 'needs_evidence' THEN '需补充证明材料：' || array_to_string(missing_evidence, '；')
                   ELSE '符合全部可核查条件：' || array_to_string(met_conditions, '；') END AS reasons,
               failed_conditions, missing_evidence, met_conditions, condition_results, evaluated_on
        FROM ({union}) ORDER BY person_id, policy_id
    """


def profile_types(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Column name → DuckDB type of `person_profile`."""
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = 'person_profile'",
        [RESTRICTED],
    ).fetchall()
    return dict(rows)


def library_frames(policies: list[Policy], types: dict[str, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`dim_policy` (one row per measure) and `dim_policy_condition` (one row per condition)."""
    measures = pl.DataFrame(
        [
            {
                "policy_id": p.id,
                "policy_name": p.short_name,
                "full_name": p.name,
                "benefit": p.benefit,
                "issuer": p.issuer,
                "document": p.document,
                "document_number": p.number,
                "clauses_verified": p.verified,
                "condition_count": len(p.conditions),
                "materials": list(p.materials),
                "policy_file": p.file,
            }
            for p in policies
        ],
        schema_overrides={"document_number": pl.Utf8, "materials": pl.List(pl.Utf8)},
    )
    conditions = pl.DataFrame(
        [
            {
                "policy_id": p.id,
                "condition_id": c.id,
                "seq": i,
                "text": c.text,
                "clause": c.clause,
                "document": c.document or p.document,
                "evidence": c.evidence,
                "rule": json.dumps(c.rule, ensure_ascii=False),
                "rule_sql": compile_rule(c.rule, set(types)),
                "fields": list(dict.fromkeys(_fields(c.rule))),
            }
            for p in policies
            for i, c in enumerate(p.conditions, start=1)
        ]
    )
    return measures, conditions


def build_policy_push(con: duckdb.DuckDBPyConnection, policies: list[Policy] | None = None) -> int:
    """Write `dim_policy`, `dim_policy_condition` and `policy_push` (needs `person_profile`)."""
    policies = load_policies() if policies is None else policies
    types = profile_types(con)
    measures, conditions = library_frames(policies, types)
    write_table(con, f"{RESTRICTED}.dim_policy", measures)
    write_table(con, f"{RESTRICTED}.dim_policy_condition", conditions)
    con.execute(f"CREATE OR REPLACE TABLE {RESTRICTED}.policy_push AS {push_sql(policies, types)}")
    return scalar(con, f"SELECT count(*) FROM {RESTRICTED}.policy_push")
