"""`fact_insurance`: one row per social-insurance record (person number × insurance type)."""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.serve import normalise as nz
from warehouse.serve.context import RESTRICTED
from warehouse.serve.facts.frames import person_rows
from warehouse.store.db import write_table

ACTIVE = "参保缴费"


def insurance_rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Social-insurance records with parsed dates, amounts and whether contributions are being paid."""
    raw = person_rows(
        con,
        "social_insurance",
        ["si_person_no", "employer_uscc"],
        {
            "employer_name_raw": "employer_name",
            "insurance_type": "insurance_type",
            "enrolment_status": "enrolment_status",
            "first_enrolled_raw": "first_enrolled_on",
            "enrolled_raw": "enrolled_on",
            "contribution_raw": "contribution_base",
            "last_paid_raw": "last_paid_month",
        },
    )
    status = nz.clean_text(raw["enrolment_status"])
    return raw.select(
        "person_id",
        "record_uid",
        "delivery_date",
        "si_person_no",
        nz.clean_text(raw["insurance_type"]).alias("insurance_type"),
        status.alias("enrolment_status"),
        (status == ACTIVE).alias("is_active"),
        "employer_uscc",
        nz.clean_text(raw["employer_name_raw"]).alias("employer_name"),
        nz.parse_date_values(raw["first_enrolled_raw"]).alias("first_enrolled_on"),
        nz.parse_date_values(raw["enrolled_raw"]).alias("enrolled_on"),
        nz.clean_text(raw["contribution_raw"])
        .str.replace_all(",", "")
        .cast(pl.Float64, strict=False)
        .alias("contribution_base"),
        nz.parse_month_values(raw["last_paid_raw"]).alias("last_paid_month"),
    ).sort("person_id", "record_uid")


def build_fact_insurance(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> int:
    """Write `restricted.fact_insurance` from `insurance_rows`; return its row count."""
    return write_table(con, f"{RESTRICTED}.fact_insurance", rows)
