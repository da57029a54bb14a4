"""Evaluation of the policy library (`warehouse/serve/policy_library.py`) over `person_profile`.

A condition's `rule` is a small expression (`{field, op, value}`, combined with `all` / `any` /
`not`) compiled to one SQL boolean, so every person is evaluated at once in DuckDB. SQL's
three-valued logic gives the outcome: true = met, false = not met, null = the data cannot tell
(evidence needed); a condition only evidence can settle is always null.

Per person and policy (`policy_push`): `not_eligible` when any condition is false (reasons name
the failed conditions and the values seen), else `needs_evidence` when any is unknown (naming the
evidence to submit), else `eligible`. Only the talent library (returnees) is evaluated.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import polars as pl

from warehouse.serve.context import RESTRICTED
from warehouse.serve.dictionary import column_label
from warehouse.serve.policy_library import Policy, PolicyError, load_policies, rule_fields
from warehouse.store.db import query, scalar, write_table

OPERATORS = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "in": "IN", "not_in": "NOT IN"}
STATUS_LABELS = {"eligible": "符合", "needs_evidence": "需补充材料", "not_eligible": "不符合"}
PROFILE = f"{RESTRICTED}.person_profile"
INTERNSHIP_POLICY = "employment_internship"  # 就业见习 (job matching asks who may take a 就业见习 posting)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise PolicyError(f"不支持的取值：{value!r}")


def compile_rule(rule: dict[str, Any] | None, columns: set[str]) -> str:
    """SQL boolean of a rule over profile `columns` (null when the profile cannot tell).

    A leaf with `decides: met` can only prove the condition (false becomes unknown: the data sees
    part of the facts, say some of a company's insured staff); `decides: not_met` can only disprove
    it (true becomes unknown). `None` (evidence only) is always unknown.
    """
    if rule is None:
        return "CAST(NULL AS BOOLEAN)"
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
        sql = f"({name} {OPERATORS[op]} ({', '.join(map(_literal, value))}))"
    else:
        sql = f"({name} {OPERATORS[op]} {_literal(value)})"
    decides = rule.get("decides")
    if decides == "met":
        return f"({sql} OR NULL)"
    if decides == "not_met":
        return f"({sql} AND NULL)"
    return sql


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


def _shown_values(names: tuple[str, ...], types: dict[str, str]) -> str:
    """SQL text listing the profile values a reason shows ('' when none)."""
    return f"concat_ws('，', {', '.join(_shown(n, types) for n in names)})" if names else "''"


def policy_sql(policy: Policy, types: dict[str, str], where: str = "is_returnee") -> str:
    """SQL evaluating one policy for every profile row matching `where` (the talent library)."""
    columns = set(types)
    checks = [compile_rule(c.rule, columns) for c in policy.conditions]
    for c in policy.conditions:
        for name in c.show:
            if name not in columns:
                raise PolicyError(f"{policy.file} 条件 {c.id} 要显示的字段 {name} 不在画像中")
    values = ", ".join(f"{check} AS c{i}" for i, check in enumerate(checks))
    shown = ", ".join(f"{_shown_values(c.show, types)} AS v{i}" for i, c in enumerate(policy.conditions))
    numbered = list(enumerate(policy.conditions))
    failed = ", ".join(
        f"CASE WHEN c{i} IS FALSE THEN {_quote(c.text)} || '（' || v{i} || '）' END" for i, c in numbered
    )
    unknown = ", ".join(f"CASE WHEN c{i} IS NULL THEN {_quote(c.text)} END" for i, c in numbered)
    needing: dict[str, list[str]] = {}  # each evidence once, in the order of the conditions asking for it
    for i, c in numbered:
        needing.setdefault(c.evidence, []).append(f"c{i} IS NULL")
    missing = ", ".join(f"CASE WHEN {' OR '.join(tests)} THEN {_quote(e)} END" for e, tests in needing.items())
    met = ", ".join(f"CASE WHEN c{i} THEN {_quote(c.text)} END" for i, c in numbered)
    results = ", ".join(
        f"{{'condition_id': {_quote(c.id)}, 'result': CASE WHEN c{i} THEN 'met' WHEN NOT c{i} THEN 'not_met' "
        f"ELSE 'unknown' END}}"
        for i, c in numbered
    )
    any_false = " OR ".join(f"c{i} IS FALSE" for i, _ in numbered)
    any_null = " OR ".join(f"c{i} IS NULL" for i, _ in numbered)
    keep = "lambda x: x IS NOT NULL"
    return f"""
        SELECT person_id, {_quote(policy.id)} AS policy_id, {_quote(policy.short_name)} AS policy_name,
               CASE WHEN {any_false} THEN 'not_eligible' WHEN {any_null} THEN 'needs_evidence' ELSE 'eligible' END
                   AS status,
               list_filter([{failed}], {keep}) AS failed_conditions,
               list_filter([{unknown}], {keep}) AS unknown_conditions,
               list_filter([{missing}], {keep}) AS missing_evidence,
               list_filter([{met}], {keep}) AS met_conditions,
               [{results}] AS condition_results,
               as_of_date AS evaluated_on
        FROM (SELECT person_id, as_of_date, {values}, {shown} FROM {PROFILE} WHERE {where})
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
               failed_conditions, unknown_conditions, missing_evidence, met_conditions, condition_results,
               evaluated_on
        FROM ({union}) ORDER BY person_id, policy_id
    """


def profile_types(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Column name → DuckDB type of `person_profile`."""
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = 'person_profile'",
        [RESTRICTED],
    ).fetchall()
    return dict(rows)


def _quoted(quotes: tuple[str, ...]) -> str:
    return "……".join(quotes)


def library_frames(policies: list[Policy], types: dict[str, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`dim_policy` (one row per measure) and `dim_policy_condition` (one row per condition)."""
    measures = pl.DataFrame(
        [
            {
                "policy_id": p.id,
                "policy_name": p.short_name,
                "full_name": p.name,
                "benefit": p.benefit.text,
                "benefit_source": f"{p.benefit.document.label} {p.benefit.clause}",
                "apply_at": p.apply.text,
                "issuer": p.document.issuer,
                "document": p.document.title,
                "document_number": p.document.number,
                "document_date": p.document.date,
                "clauses_verified": p.verified,
                "condition_count": len(p.conditions),
                "materials": [m.text for m in p.materials],
                "policy_file": p.file,
            }
            for p in policies
        ],
        schema_overrides={"document_number": pl.Utf8, "document_date": pl.Date, "materials": pl.List(pl.Utf8)},
    )
    conditions = pl.DataFrame(
        [
            {
                "policy_id": p.id,
                "condition_id": c.id,
                "seq": i,
                "text": c.text,
                "clause": c.clause,
                "document": c.document.label,
                "quote": _quoted(c.quotes),
                "judged_by": "data" if c.rule is not None else "evidence",
                "data_source": c.data,
                "basis": c.basis,
                "evidence": c.evidence,
                "rule": json.dumps(c.rule, ensure_ascii=False) if c.rule is not None else None,
                "rule_sql": compile_rule(c.rule, set(types)),
                "fields": list(dict.fromkeys(rule_fields(c.rule))),
            }
            for p in policies
            for i, c in enumerate(p.conditions, start=1)
        ],
        schema_overrides={"data_source": pl.Utf8, "basis": pl.Utf8, "rule": pl.Utf8, "fields": pl.List(pl.Utf8)},
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
    return int(scalar(con, f"SELECT count(*) FROM {RESTRICTED}.policy_push"))


def policy_status(con: duckdb.DuckDBPyConnection, policy_id: str, person_ids: list[str] | None = None) -> pl.DataFrame:
    """One policy evaluated now over `person_profile` (all of the talent library, or `person_ids`):
    `person_id`, `status`, `failed_conditions`, `unknown_conditions`, `missing_evidence`, ...
    Needs only the profile, not `policy_push`."""
    policy = next((p for p in load_policies() if p.id == policy_id), None)
    if policy is None:
        raise PolicyError(f"政策库中没有 {policy_id}")
    if person_ids is None:
        return query(con, policy_sql(policy, profile_types(con)) + " ORDER BY person_id")
    con.register("_asked", pl.DataFrame({"person_id": person_ids}, schema={"person_id": pl.Utf8}).to_arrow())
    try:
        where = "is_returnee AND person_id IN (SELECT person_id FROM _asked)"
        return query(con, policy_sql(policy, profile_types(con), where) + " ORDER BY person_id")
    finally:
        con.unregister("_asked")


def employment_internship_status(con: duckdb.DuckDBPyConnection, person_ids: list[str] | None = None) -> pl.DataFrame:
    """Who may take part in 就业见习 (the `employment_internship` measure): `status` eligible /
    needs_evidence / not_eligible per person of the talent library, with the reasons' parts."""
    return policy_status(con, INTERNSHIP_POLICY, person_ids)
