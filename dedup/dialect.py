"""The model's SQL for the engine that runs it.

The model is written, trained and saved in DuckDB's SQL (`dedup/model/splink_model.json` says
`"sql_dialect": "duckdb"`). sqlglot, which Splink uses to translate between its backends,
translates most of it to Spark SQL (`list_contains` → `array_contains`, `date_diff('day', a, b)`
→ `datediff(DAY, a, b)`, double-quoted identifiers → backquoted ones). Three DuckDB functions it
leaves as they are or writes as an operator Spark SQL lacks are rewritten here into Spark SQL that
means the same; tests/test_spark_engine.py evaluates every level on both engines to show it.
"""

from __future__ import annotations

import copy
from typing import Any

MODEL_DIALECT = "duckdb"
# The ASCII characters other than letters, digits and `_`: those DuckDB's regexp_escape (RE2's
# QuoteMeta) puts a backslash before. A backslash before any of them is a literal in Java's regex too.
_REGEX_SPECIAL = r"([\x00-\x2F\x3A-\x40\x5B-\x5E\x60\x7B-\x7F])"


def _spark_node(node: Any) -> Any:
    """One DuckDB expression in Spark's terms; other nodes unchanged (sqlglot translates them)."""
    from sqlglot import exp

    if isinstance(node, exp.ArrayOverlaps):  # list_has_any: sqlglot writes `&&`
        return exp.Anonymous(this="ARRAYS_OVERLAP", expressions=[node.this, node.expression])
    if isinstance(node, exp.RegexpFullMatch):  # RE2's full match: the pattern spans the whole string
        pattern = node.expression.transform(_spark_node)  # a replaced node's operands are not visited
        anchored = exp.func("CONCAT", exp.Literal.string("^(?:"), pattern, exp.Literal.string(r")\z"))
        return exp.RegexpLike(this=node.this.transform(_spark_node), expression=anchored)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "regexp_escape":
        (value,) = node.expressions
        return exp.func("REGEXP_REPLACE", value, exp.Literal.string(_REGEX_SPECIAL), exp.Literal.string(r"\\$1"))
    return node


def render(sql: str, dialect: str) -> str:
    """A DuckDB SQL condition (a comparison level's or a blocking rule's) in `dialect`'s SQL."""
    import sqlglot

    if dialect == MODEL_DIALECT or sql == "ELSE":
        return sql
    if dialect != "spark":
        raise ValueError(f"no SQL rendering for dialect {dialect!r}")
    rendered: str = sqlglot.parse_one(sql, read=MODEL_DIALECT).transform(_spark_node).sql(dialect="spark")
    return rendered


def settings_for(settings: dict[str, Any], dialect: str) -> dict[str, Any]:
    """A copy of saved Splink settings whose blocking rules and comparison levels are in `dialect`'s SQL."""
    saved = settings.get("sql_dialect", MODEL_DIALECT)
    if saved != MODEL_DIALECT:
        raise ValueError(f"the model's SQL is {saved!r}, expected {MODEL_DIALECT!r}")
    rendered = copy.deepcopy(settings)
    rendered["sql_dialect"] = dialect
    for rule in rendered["blocking_rules_to_generate_predictions"]:
        rule["blocking_rule"] = render(rule["blocking_rule"], dialect)
        rule["sql_dialect"] = dialect
    for comparison in rendered["comparisons"]:
        for level in comparison["comparison_levels"]:
            level["sql_condition"] = render(level["sql_condition"], dialect)
    return rendered
