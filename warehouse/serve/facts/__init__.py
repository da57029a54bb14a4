"""Fact tables in the restricted schema, each one row per thing a source asserts about a person."""

from __future__ import annotations

import duckdb

from warehouse.serve.context import ensure_schemas
from warehouse.serve.facts.archive import build_fact_archive
from warehouse.serve.facts.education import build_fact_education
from warehouse.serve.facts.employment import build_employment
from warehouse.serve.facts.fx import build_fact_fx_study
from warehouse.serve.facts.insurance import build_fact_insurance, insurance_rows
from warehouse.serve.facts.platform import build_platform_facts


def build_facts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Write every fact table and the employer register; return row counts by table."""
    ensure_schemas(con)
    si = insurance_rows(con)
    employers, employment = build_employment(con, si)
    return {
        "fact_education": build_fact_education(con),
        "fact_fx_study": build_fact_fx_study(con),
        "fact_insurance": build_fact_insurance(con, si),
        "dim_employer": employers,
        "fact_employment": employment,
        "fact_archive": build_fact_archive(con),
        **build_platform_facts(con),
    }
