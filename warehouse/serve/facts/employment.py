"""`dim_employer` and `fact_employment`: who employs a person now, and who did before.

Social insurance, public-institution HR and SOE registers are verified employment; the
professional platform and the survey are declarations. A row is `is_current` when its source
says the person works there now (contributions being paid, 在职, active, or declared).
"""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.serve import normalise as nz
from warehouse.serve.context import RESTRICTED
from warehouse.serve.facts.frames import person_rows
from warehouse.serve.facts.insurance import ACTIVE
from warehouse.store.db import query, write_table

VALID_USCC = r"^[0-9A-Z]{18}$"
SOE_STATUS = {"active": "在职", "left": "离职", "retired": "退休"}
REGISTER_STATUS = ("在职", "离职", "退休", "调出")  # pi_hr's statuses; SOE ones are mapped onto them
BASIS = {
    "social_insurance": "参保记录",
    "pi_hr": "事业单位人事记录",
    "soe_staff": "国企员工记录",
    "prof_tech": "平台登记",
    "survey": "调查自述",
}
REGISTER_KIND = {"pi_hr": "事业单位", "soe_staff": "国有企业"}
COLUMNS = {
    "person_id": pl.Utf8,
    "record_uid": pl.Utf8,
    "source": pl.Utf8,
    "employer_uscc": pl.Utf8,
    "employer_name": pl.Utf8,
    "declared_kind": pl.Utf8,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "status": pl.Utf8,
    "is_current": pl.Boolean,
    "as_of_date": pl.Date,
    "post": pl.Utf8,
    "record_count": pl.Int32,
}


def employer_register(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per credit code seen in any source: the most frequent name, the kind and district.

    Kind: SOE register → 国有企业; public-institution register → 事业单位; code 11/12 → 机关/事业单位;
    else what survey respondents working there (by name) declare most often; else 企业/其他 by code.
    """
    seen = query(
        con,
        "SELECT source, employer_uscc, employer_name_raw FROM records WHERE employer_uscc IS NOT NULL",
    )
    seen = seen.with_columns(nz.clean_text(seen["employer_name_raw"]).alias("employer_name")).filter(
        pl.col("employer_uscc").str.contains(VALID_USCC)
    )
    declared = query(con, "SELECT employer_name, employer_kind FROM bronze.survey")
    declared = declared.select(
        nz.clean_text(declared["employer_name"]).alias("employer_name"),
        nz.clean_text(declared["employer_kind"]).alias("kind"),
    ).filter(pl.col("kind").is_in(list(nz.EMPLOYER_KINDS)) & pl.col("employer_name").is_not_null())
    # One declared kind per name first: joining every declaration to every record of a large
    # employer would multiply rows (tens of GB at 200,000 persons).
    declared = declared.group_by("employer_name").agg(pl.col("kind").mode().sort().first())
    names = seen.join(declared, on="employer_name", how="left")
    register = names.group_by("employer_uscc").agg(
        pl.col("employer_name").drop_nulls().mode().sort().first().alias("employer_name"),
        (pl.col("source") == "soe_staff").any().alias("_soe"),
        (pl.col("source") == "pi_hr").any().alias("_pi"),
        pl.col("kind").drop_nulls().mode().sort().first().alias("_declared"),
    )
    # A founder's own company is, as an employer, a private enterprise.
    register = register.with_columns(pl.col("_declared").replace("自主创业", "民营企业"))
    by_code = nz.employer_kind_of_uscc(register["employer_uscc"])
    division = nz.uscc_division(register["employer_uscc"])
    return (
        register.with_columns(
            pl.when("_soe")
            .then(pl.lit("国有企业"))
            .when("_pi")
            .then(pl.lit("事业单位"))
            .when(by_code.is_in(["机关", "事业单位"]))
            .then(by_code)
            .otherwise(pl.coalesce("_declared", by_code))
            .alias("employer_kind"),
            pl.when("_soe")
            .then(pl.lit("国企员工系统"))
            .when("_pi")
            .then(pl.lit("事业单位人事系统"))
            .when(by_code.is_in(["机关", "事业单位"]))
            .then(pl.lit("信用代码登记机关"))
            .when(pl.col("_declared").is_not_null())
            .then(pl.lit("调查填报"))
            .when(by_code.is_not_null())
            .then(pl.lit("信用代码登记机关"))
            .alias("kind_basis"),
            division.alias("division_code"),
            nz.district_of_division(division).alias("employer_district"),
            division.str.starts_with("50").alias("employer_in_cq"),
        )
        .select(
            "employer_uscc",
            "employer_name",
            "employer_kind",
            "kind_basis",
            "division_code",
            "employer_district",
            "employer_in_cq",
        )
        .sort("employer_uscc")
    )


def _social_insurance(si: pl.DataFrame) -> pl.DataFrame:
    """Insurance rows folded to one employment per person and employer."""
    with_employer = si.filter(pl.col("employer_uscc").is_not_null() | pl.col("employer_name").is_not_null())
    return (
        with_employer.with_columns(pl.coalesce("employer_uscc", "employer_name").alias("_employer"))
        .group_by("person_id", "_employer")
        .agg(
            pl.col("record_uid").min(),
            pl.col("employer_uscc").drop_nulls().first(),
            pl.col("employer_name").drop_nulls().mode().sort().first(),
            pl.col("enrolled_on").min().alias("start_date"),
            pl.col("is_active").any().alias("is_current"),
            pl.col("last_paid_month").max().alias("_last_paid"),
            pl.col("enrolment_status").is_in(["暂停缴费"]).any().alias("_paused"),
            pl.col("delivery_date").max().str.to_date(strict=False).alias("as_of_date"),
            pl.len().cast(pl.Int32).alias("record_count"),
        )
        .with_columns(
            pl.lit("social_insurance").alias("source"),
            pl.when("is_current").then(None).otherwise(pl.col("_last_paid")).alias("end_date"),
            pl.when("is_current")
            .then(pl.lit(ACTIVE))
            .when("_paused")
            .then(pl.lit("暂停缴费"))
            .otherwise(pl.lit("终止参保"))
            .alias("status"),
        )
    )


def _registers(con: duckdb.DuckDBPyConnection) -> list[pl.DataFrame]:
    """Public-institution HR and SOE staff rows."""
    pi = person_rows(
        con,
        "pi_hr",
        ["employer_uscc"],
        {"employer_name": "employer_name", "start_raw": "joined_on", "status": "status", "post": "post_grade"},
    )
    soe = person_rows(
        con,
        "soe_staff",
        ["employer_uscc"],
        {"employer_name": "employer_name", "start_raw": "hired_on", "status": "status", "post": "position"},
    )
    soe = soe.with_columns(
        nz.clean_text(soe["status"]).str.to_lowercase().replace_strict(SOE_STATUS, default=None).alias("status")
    )
    return [
        frame.with_columns(
            nz.clean_text(frame["status"]).alias("status"),
            nz.status_is(nz.clean_text(frame["status"]), "在职", REGISTER_STATUS).alias("is_current"),
            nz.parse_date_values(frame["start_raw"]).alias("start_date"),
            pl.col("delivery_date").str.to_date(strict=False).alias("as_of_date"),
        )
        for frame in (pi, soe)
    ]


def _declarations(con: duckdb.DuckDBPyConnection) -> list[pl.DataFrame]:
    """Employers declared on the professional platform and in the survey (survey: as of its report date)."""
    platform = person_rows(con, "prof_tech", ["employer_uscc"], {"employer_name": "employer_name"})
    platform = platform.with_columns(
        pl.lit("平台登记").alias("status"),
        nz.clean_text(platform["employer_name"]).is_not_null().alias("is_current"),
        pl.col("delivery_date").str.to_date(strict=False).alias("as_of_date"),
    )
    survey = person_rows(
        con, "survey", [], {"employer_name": "employer_name", "kind_raw": "employer_kind", "reported": "reported_on"}
    )
    kind = nz.clean_text(survey["kind_raw"])
    survey = survey.with_columns(
        pl.when(kind.is_in(list(nz.EMPLOYER_KINDS))).then(kind).alias("declared_kind"),
        pl.when(kind == "待业").then(pl.lit("待业")).otherwise(pl.lit("调查自述")).alias("status"),
        (nz.clean_text(survey["employer_name"]).is_not_null() & (kind.fill_null("") != "待业")).alias("is_current"),
        pl.coalesce(nz.parse_date_values(survey["reported"]), pl.col("delivery_date").str.to_date(strict=False)).alias(
            "as_of_date"
        ),
    )
    platform = platform.filter(nz.clean_text(platform["employer_name"]).is_not_null())
    survey = survey.filter(survey["is_current"] | (kind == "待业"))
    return [platform, survey]


def employment_rows(con: duckdb.DuckDBPyConnection, si: pl.DataFrame, register: pl.DataFrame) -> pl.DataFrame:
    """Every employment a source asserts, with employer kind, district and whether it is current."""
    parts = [_social_insurance(si), *_registers(con), *_declarations(con)]
    stacked = pl.concat(
        [
            p.with_columns([pl.lit(None, dtype).alias(c) for c, dtype in COLUMNS.items() if c not in p.columns]).select(
                [pl.col(c).cast(dtype) for c, dtype in COLUMNS.items()]
            )
            for p in parts
        ]
    )
    stacked = stacked.with_columns(
        nz.clean_text(stacked["employer_name"]).alias("employer_name"),
        nz.clean_text(stacked["post"]).alias("post"),
        pl.col("record_count").fill_null(1),
        pl.col("source").replace_strict(BASIS, default=None).alias("basis"),
        pl.col("source").is_in(["social_insurance", "pi_hr", "soe_staff"]).alias("verified"),
    )
    joined = stacked.join(register.drop("employer_name", "kind_basis"), on="employer_uscc", how="left")
    return (
        joined.with_columns(
            pl.coalesce(
                "declared_kind", pl.col("source").replace_strict(REGISTER_KIND, default=None), "employer_kind"
            ).alias("employer_kind"),
            (pl.col("employer_in_cq") | pl.col("verified")).alias("employer_in_cq"),
        )
        .select(
            "person_id",
            "record_uid",
            "source",
            "basis",
            "verified",
            "employer_uscc",
            "employer_name",
            "employer_kind",
            "employer_district",
            "employer_in_cq",
            "start_date",
            "end_date",
            "status",
            "is_current",
            "as_of_date",
            "post",
            "record_count",
        )
        .sort("person_id", "record_uid")
    )


def build_employment(con: duckdb.DuckDBPyConnection, si: pl.DataFrame) -> tuple[int, int]:
    """Write `restricted.dim_employer` and `restricted.fact_employment`; return their row counts."""
    register = employer_register(con)
    employers = write_table(con, f"{RESTRICTED}.dim_employer", register)
    return employers, write_table(con, f"{RESTRICTED}.fact_employment", employment_rows(con, si, register))
