"""`fact_education`: one row per source record that describes study abroad."""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.serve import normalise as nz
from warehouse.serve.context import RESTRICTED
from warehouse.serve.facts.frames import institutions, person_rows
from warehouse.store.db import write_table

# Per source: output name → bronze column.
BRONZE_FIELDS: dict[str, dict[str, str]] = {
    "survey": {
        "degree_text": "degree",
        "education_text": "education_level",
        "major": "study_major",
        "departure_raw": "departure_month",
        "return_month_raw": "return_month",
    },
    "prof_tech": {
        "degree_text": "degree",
        "education_text": "education_level",
        "graduation_raw": "graduation_month",
        "studied_abroad_raw": "studied_abroad",
    },
    "pi_hr": {
        "degree_text": "degree",
        "education_text": "education_level",
        "major": "major",
        "studied_abroad_raw": "studied_abroad",
    },
    "soe_staff": {"degree_text": "degree", "education_text": "education_level", "studied_abroad_raw": "studied_abroad"},
    "archives": {"education_text": "education_level", "return_date_raw": "returned_on"},
}
RECORD_FIELDS = ["study_country", "institution_id", "degree_cert_no"]
COLUMNS = [
    "person_id",
    "record_uid",
    "source",
    "delivery_date",
    "study_country",
    "institution_id",
    "institution_name",
    "institution_tier",
    "degree",
    "degree_is_overseas",
    "education_level",
    "major",
    "departure_date",
    "return_date",
    "graduated_on",
    "study_months",
    "degree_cert_no",
]


def education_rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every education-bearing record of the five sources that hold education, standardised."""
    parts = [person_rows(con, source, RECORD_FIELDS, fields) for source, fields in BRONZE_FIELDS.items()]
    return standardise_education(pl.concat(parts, how="diagonal_relaxed"))


def standardise_education(raw: pl.DataFrame) -> pl.DataFrame:
    """Degrees, dates, flags and institutions of the stacked raw education rows; only rows about
    study abroad are kept (a record saying it never studied abroad is not education abroad)."""
    frame = raw.with_columns(
        pl.coalesce(nz.normalise_degree(raw["degree_text"]), nz.degree_from_education(raw["education_text"])).alias(
            "degree"
        ),
        nz.clean_text(raw["education_text"]).alias("education_level"),
        nz.clean_text(raw["major"]).alias("major"),
        nz.parse_month_values(raw["departure_raw"]).alias("departure_date"),
        pl.coalesce(nz.parse_month_values(raw["return_month_raw"]), nz.parse_date_values(raw["return_date_raw"])).alias(
            "return_date"
        ),
        nz.parse_month_values(raw["graduation_raw"]).alias("graduated_on"),
        nz.parse_flag(raw["studied_abroad_raw"]).alias("flag"),
        nz.normalise_cert_no(raw["degree_cert_no"]).alias("degree_cert_no"),
    ).join(institutions(), on="institution_id", how="left")
    overseas_school = pl.col("institution_country").is_not_null() & (pl.col("institution_country") != "CHN")
    archive_says = (
        pl.col("study_country").is_not_null()
        | pl.col("degree_cert_no").is_not_null()
        | pl.col("return_date").is_not_null()
    )
    studied_abroad = (
        pl.when(pl.col("source") == "survey")
        .then(True)
        .when(pl.col("source") == "archives")
        .then(pl.when(archive_says | overseas_school).then(True))
        .otherwise(pl.col("flag"))
    )
    degree_overseas = (
        pl.when(pl.col("degree").is_null())
        .then(None)
        .when(pl.col("source") == "survey")
        .then(True)
        .when(overseas_school | ((pl.col("source") == "archives") & pl.col("degree_cert_no").is_not_null()))
        .then(True)
    )
    return (
        frame.with_columns(studied_abroad.alias("studied_abroad"), degree_overseas.alias("degree_is_overseas"))
        .filter(
            pl.col("studied_abroad").fill_null(False)
            | (pl.col("studied_abroad").is_null() & (pl.col("study_country").is_not_null() | overseas_school))
        )
        .with_columns(
            pl.coalesce("study_country", "institution_country").alias("study_country"),
            pl.when(pl.col("return_date") >= pl.col("departure_date"))
            .then(
                (pl.col("return_date").dt.year() - pl.col("departure_date").dt.year()) * 12
                + pl.col("return_date").dt.month().cast(pl.Int32)
                - pl.col("departure_date").dt.month().cast(pl.Int32)
            )
            .cast(pl.Int32)
            .alias("study_months"),
        )
        .select(COLUMNS)
        .sort("person_id", "record_uid")
    )


def build_fact_education(con: duckdb.DuckDBPyConnection) -> int:
    """Write `restricted.fact_education`; return its row count."""
    return write_table(con, f"{RESTRICTED}.fact_education", education_rows(con))
