"""What every serving stage shares: schema names, source priority and the run's reference date."""

from __future__ import annotations

import datetime as dt

import duckdb

from warehouse.store.db import scalar

RESTRICTED = "restricted"  # unmasked golden records, facts, profiles and pushes
ANALYST = "analyst"  # what analysts query: masked tables and statistics views

# Identity survivorship: the most trusted source first (see README, 数仓与分析).
SOURCE_PRIORITY: tuple[str, ...] = (
    "social_insurance",
    "prof_tech",
    "pi_hr",
    "soe_staff",
    "archives",
    "fx_accounts",
    "survey",
)
SOURCE_LABELS: dict[str, str] = {
    "social_insurance": "社会保险参保数据库",
    "prof_tech": "专业技术人员服务平台",
    "pi_hr": "事业单位人事管理系统",
    "soe_staff": "国有企业员工管理系统",
    "archives": "流动人才档案管理系统",
    "fx_accounts": "外汇账户数据",
    "survey": "留学人员信息统计调查",
}


def priority_sql(column: str = "source") -> str:
    """A SQL expression ranking a source column by `SOURCE_PRIORITY` (1 = most trusted)."""
    whens = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(SOURCE_PRIORITY, start=1))
    return f"(CASE {column} {whens} ELSE {len(SOURCE_PRIORITY) + 1} END)"


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """Create the restricted and analyst schemas if missing."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RESTRICTED}")
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {ANALYST}")


def reference_date(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The date the run describes: the newest current delivery (so a rerun gives the same answers)."""
    newest = scalar(con, "SELECT max(TRY_CAST(delivery_date AS DATE)) FROM deliveries WHERE status = 'current'")
    return newest or dt.date.today()
