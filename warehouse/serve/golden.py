"""`dim_person`: one golden record per person, each attribute chosen by a survivorship rule, with
the source and record that supplied it (`<attribute>_source`, `<attribute>_record_uid`)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from warehouse.serve import normalise as nz
from warehouse.serve.context import RESTRICTED, priority_sql
from warehouse.serve.facts.frames import person_rows
from warehouse.store.db import query, scalar

# Orderings: the smallest key wins. `days_ago` counts back from 2100 so "newest first" sorts ascending.
BY_PRIORITY = "source_rank, days_ago, record_uid"
BY_RECENCY = "days_ago, source_rank, record_uid"


@dataclass(frozen=True)
class Rule:
    """How one attribute (or a group supplied together by one record) survives."""

    name: str  # provenance column prefix
    columns: tuple[str, ...]  # output columns, taken from the winning row
    present: str  # SQL: the row supplies a value
    order: str  # SQL: comma-separated ordering key, smallest wins
    description: str  # the rule in words (Chinese, for the README and docs)
    table: str = "_person_records"


RULES: tuple[Rule, ...] = (
    Rule(
        "name",
        ("name", "surname", "given_name", "name_pinyin"),
        "name IS NOT NULL",
        f"name_degraded::INTEGER, {BY_PRIORITY}",
        "按来源优先级取姓名；含“?”替代字或以拼音书写的姓名仅在没有完整汉字姓名时使用",
    ),
    Rule("sex", ("sex",), "sex IS NOT NULL", BY_PRIORITY, "按来源优先级"),
    Rule(
        "birth_date",
        ("birth_date", "birth_precision"),
        "birth_date IS NOT NULL",
        f"birth_rank, {BY_PRIORITY}",
        "精确到日的出生日期优先，其次按来源优先级；只有年月的值仅在没有完整日期时使用",
    ),
    Rule(
        "id_number",
        ("id_number", "id_birth_date", "id_sex"),
        "id_number IS NOT NULL",
        BY_PRIORITY,
        "只取校验通过的18位公民身份号码，按来源优先级",
    ),
    Rule("passport_no", ("passport_no",), "passport_no IS NOT NULL", BY_PRIORITY, "按来源优先级"),
    Rule("si_person_no", ("si_person_no",), "si_person_no IS NOT NULL", BY_PRIORITY, "社保个人编号，按来源优先级"),
    Rule("mobile", ("mobile",), "mobile IS NOT NULL", BY_RECENCY, "取最近填报或交付的有效手机号"),
    Rule("email", ("email",), "email IS NOT NULL", BY_RECENCY, "取最近填报或交付的电子邮箱"),
    Rule("district", ("district",), "district IS NOT NULL", BY_RECENCY, "取最近填报的所在区县"),
    Rule(
        "employer",
        (
            "employer_name",
            "employer_uscc",
            "employer_kind",
            "employer_district",
            "employer_in_cq",
            "employer_since",
            "employer_verified",
        ),
        "is_current",
        "days_ago, source_rank, -coalesce(employer_since - DATE '1900-01-01', 0), record_uid",
        "在“当前在职”的就业记录中取最近交付或填报的一条（同日按来源优先级，再取入职较晚者）",
        "_current_jobs",
    ),
)


def _record_extras(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per record: the survey's report date and the standardised district."""
    survey = person_rows(con, "survey", [], {"reported": "reported_on"})
    dates = survey.select("record_uid", nz.parse_date_values(survey["reported"]).alias("reported_on"))
    districts = query(con, "SELECT record_uid, district_raw FROM records WHERE district_raw IS NOT NULL")
    districts = districts.select("record_uid", nz.standardise_districts(districts["district_raw"]).alias("district"))
    return districts.join(dates, on="record_uid", how="full", coalesce=True)


def _stage(con: duckdb.DuckDBPyConnection) -> None:
    """Temporary tables the rules read: every person record, and every current employment."""
    con.register("_extras", _record_extras(con).to_arrow())
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _person_records AS
        SELECT p.person_id, r.record_uid, r.source, r.name, r.surname, r.given_name, r.name_pinyin, r.sex,
               r.birth_date, r.birth_precision, r.id_number, r.id_birth_date, r.id_sex, r.passport_no,
               r.si_person_no, r.mobile, r.email, x.district,
               coalesce(r.name_has_unknown_char OR r.name_is_latin, false) AS name_degraded,
               CASE r.birth_precision WHEN 'day' THEN 0 WHEN 'month' THEN 1 ELSE 2 END AS birth_rank,
               {priority_sql("r.source")} AS source_rank,
               DATE '2100-01-01' - coalesce(x.reported_on, TRY_CAST(r.delivery_date AS DATE), DATE '1900-01-01')
                   AS days_ago
        FROM records r JOIN person_registry p USING (record_uid) LEFT JOIN _extras x USING (record_uid)
        """
    )
    con.unregister("_extras")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _current_jobs AS
        SELECT person_id, record_uid, source, employer_name, employer_uscc, employer_kind, employer_district,
               employer_in_cq, start_date AS employer_since, verified AS employer_verified, is_current,
               {priority_sql("source")} AS source_rank,
               DATE '2100-01-01' - coalesce(as_of_date, DATE '1900-01-01') AS days_ago
        FROM {RESTRICTED}.fact_employment WHERE is_current
        """
    )


def _rule_sql(rule: Rule) -> tuple[str, list[str]]:
    """The aggregate query of one rule and the columns it yields (values, then provenance)."""
    fields = ", ".join(f"'{c}': {c}" for c in (*rule.columns, "source", "record_uid"))
    chosen = f"arg_min({{{fields}}}, ({rule.order})) FILTER (WHERE {rule.present})"
    columns = [*rule.columns, f"{rule.name}_source", f"{rule.name}_record_uid"]
    picks = [f"g.{c}" for c in rule.columns] + ["g.source", "g.record_uid"]
    select = ", ".join(f"{pick} AS {col}" for pick, col in zip(picks, columns, strict=True))
    sql = f"SELECT person_id, {select} FROM (SELECT person_id, {chosen} AS g FROM {rule.table} GROUP BY person_id)"
    return sql, columns


def golden_sql() -> str:
    """The query that builds `dim_person` from the staged tables and `returnee_status`."""
    joins, columns = [], []
    for i, rule in enumerate(RULES):
        sql, cols = _rule_sql(rule)
        joins.append(f"LEFT JOIN ({sql}) r{i} USING (person_id)")
        columns += [f"r{i}.{c}" for c in cols]
    return f"""
        WITH persons AS (
            SELECT person_id, count(*)::INTEGER AS record_count,
                   list_sort(list_distinct(list(source))) AS sources
            FROM _person_records GROUP BY person_id
        )
        SELECT p.person_id, {", ".join(columns)},
               s.returnee_status, s.returnee_status_label, s.is_returnee, p.record_count, p.sources
        FROM persons p
        {" ".join(joins)}
        LEFT JOIN {RESTRICTED}.returnee_status s USING (person_id)
        ORDER BY p.person_id
    """


def build_dim_person(con: duckdb.DuckDBPyConnection) -> int:
    """Write `restricted.dim_person` (needs `fact_employment` and `returnee_status`); return persons."""
    _stage(con)
    con.execute(f"CREATE OR REPLACE TABLE {RESTRICTED}.dim_person AS {golden_sql()}")
    return int(scalar(con, f"SELECT count(*) FROM {RESTRICTED}.dim_person"))
