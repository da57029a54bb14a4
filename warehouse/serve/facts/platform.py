"""Professional-platform facts: titles, achievements and programme applications, joined to persons
through the platform record (`prof_tech:<用户ID>`) they belong to."""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.serve import normalise as nz
from warehouse.serve.context import RESTRICTED
from warehouse.serve.facts.frames import person_rows, related_rows
from warehouse.store.db import write_table

LIUCHUANG = "留学人员回国创业创新支持计划"  # 重庆市留学人员回国创业创新支持计划（留创计划）
FUNDED = "已资助"
# National programmes for returnees named in the published texts (渝人社规〔2026〕9号 五); being
# selected for one ends 留创计划 funding (渝人社办〔2025〕104号 一).
NATIONAL_RETURNEE_PROGRAMMES = ("中国留学人员回国创业启动支持计划",)


def title_rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per platform account: professional title name, level (and its rank) and date."""
    raw = person_rows(
        con, "prof_tech", [], {"title_name": "title_name", "title_level": "title_level", "title_raw": "title_month"}
    )
    level = nz.normalise_title_level(raw["title_level"])
    return raw.select(
        "person_id",
        "record_uid",
        nz.clean_text(raw["title_name"]).alias("title_name"),
        level.alias("title_level"),
        level.replace_strict(nz.TITLE_RANK, default=None, return_dtype=pl.Int32).alias("title_rank"),
        nz.parse_month_values(raw["title_raw"]).alias("title_month"),
    ).sort("person_id", "record_uid")


def achievement_rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per achievement: kind, title, level, date and the person's rank among the authors."""
    raw = related_rows(
        con, "prof_tech__achievements", ["achievement_id", "user_id", "kind", "title", "level", "achieved_on", "rank"]
    )
    rank = nz.clean_text(raw["rank"]).cast(pl.Int32, strict=False)
    return raw.select(
        nz.clean_text(raw["achievement_id"]).alias("achievement_id"),
        nz.clean_text(raw["user_id"]).alias("user_id"),
        "person_id",
        nz.clean_text(raw["kind"]).alias("kind"),
        raw["title"].str.strip_chars().alias("title"),
        nz.clean_text(raw["level"]).alias("level"),
        nz.parse_date_values(raw["achieved_on"]).alias("achieved_on"),
        rank.alias("author_rank"),
        (rank == 1).alias("is_first_author"),
    ).sort("achievement_id")


def application_rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per programme application: programme, category, year, status and the grant."""
    raw = related_rows(
        con,
        "prof_tech__applications",
        ["application_id", "user_id", "programme", "category", "year", "project_title", "status", "grant_10k_cny"],
    )
    programme = nz.clean_text(raw["programme"])
    status = nz.clean_text(raw["status"])
    category = pl.coalesce(nz.clean_text(raw["category"]), programme.str.extract(r"(创业类|创新类)"))
    return raw.select(
        nz.clean_text(raw["application_id"]).alias("application_id"),
        nz.clean_text(raw["user_id"]).alias("user_id"),
        "person_id",
        programme.alias("programme"),
        programme.str.contains(LIUCHUANG).fill_null(False).alias("is_liuchuang"),
        category.alias("category"),
        nz.clean_text(raw["year"]).cast(pl.Int32, strict=False).alias("year"),
        raw["project_title"].str.strip_chars().alias("project_title"),
        status.alias("status"),
        (status == FUNDED).fill_null(False).alias("is_funded"),
        nz.clean_text(raw["grant_10k_cny"]).cast(pl.Float64, strict=False).alias("grant_10k_cny"),
    ).sort("application_id")


def build_platform_facts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Write `fact_title`, `fact_achievement` and `fact_application`; return their row counts."""
    return {
        "fact_title": write_table(con, f"{RESTRICTED}.fact_title", title_rows(con)),
        "fact_achievement": write_table(con, f"{RESTRICTED}.fact_achievement", achievement_rows(con)),
        "fact_application": write_table(con, f"{RESTRICTED}.fact_application", application_rows(con)),
    }
