"""`fact_fx_study`: what the study-abroad FX records say about a person's study periods."""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.serve import normalise as nz
from warehouse.serve.context import RESTRICTED
from warehouse.serve.facts.frames import institutions, person_rows
from warehouse.store.db import write_table

STUDY_PAYMENTS = ("留学汇款", "留学贷款")  # money sent for tuition and living costs abroad


def fx_transactions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per FX record: person, service kind and date, country, institution, amount in USD."""
    raw = person_rows(
        con,
        "fx_accounts",
        ["study_country", "institution_id"],
        {"service_kind": "service_kind", "service_date_raw": "service_date", "amount_raw": "amount_usd"},
    )
    return raw.select(
        "person_id",
        "record_uid",
        "study_country",
        "institution_id",
        nz.clean_text(raw["service_kind"]).alias("service_kind"),
        nz.parse_date_values(raw["service_date_raw"]).alias("service_date"),
        nz.clean_text(raw["amount_raw"]).str.replace_all(",", "").cast(pl.Float64, strict=False).alias("amount_usd"),
    )


def fx_study_periods(transactions: pl.DataFrame) -> pl.DataFrame:
    """Per person and study country: the span of FX activity, its kinds, study payments and amounts."""
    is_payment = pl.col("service_kind").is_in(list(STUDY_PAYMENTS))
    return (
        transactions.group_by("person_id", "study_country")
        .agg(
            pl.col("service_date").min().alias("first_service_date"),
            pl.col("service_date").max().alias("last_service_date"),
            pl.col("service_date").filter(is_payment).min().alias("first_study_payment"),
            pl.col("service_date").filter(is_payment).max().alias("last_study_payment"),
            pl.len().cast(pl.Int32).alias("transactions"),
            is_payment.sum().cast(pl.Int32).alias("study_payments"),
            pl.col("amount_usd").sum().round(2).alias("total_usd"),
            pl.col("service_kind").drop_nulls().unique().sort().alias("service_kinds"),
            pl.col("institution_id").drop_nulls().unique().sort().alias("institution_ids"),
            pl.col("record_uid").sort().alias("record_uids"),
        )
        .join(
            institutions().select("institution_id", "institution_name"),
            left_on=pl.col("institution_ids").list.first(),
            right_on="institution_id",
            how="left",
        )
        .drop("institution_id", strict=False)
        .sort("person_id", "study_country", nulls_last=True)
    )


def build_fact_fx_study(con: duckdb.DuckDBPyConnection) -> int:
    """Write `restricted.fact_fx_study`; return its row count."""
    return write_table(con, f"{RESTRICTED}.fact_fx_study", fx_study_periods(fx_transactions(con)))
