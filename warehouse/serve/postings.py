"""`job_posting`: the openings of the current `job_postings` snapshot, standardised for matching.

One row per delivered posting. Requirements become ranks (学历, 学位, 职称: null = 不限 or unknown,
which is no requirement), majors catalogue codes, the work place an official district (重庆市 / 全市 =
anywhere), preferred countries ISO alpha-3 codes; salaries, openings and the age limit are whole
numbers or null when typed as text (面议, 35周岁). The same opening published on two channels (same
employer, title and 发布日期 under two 岗位编号) is one opening: the smallest id is kept
(`status` = open or expired) and the others point to it (`status` = duplicate). A posting whose
截止日期 is before the run's reference date is `expired`; one withdrawn from the snapshot is not
in it at all. Only `open` postings are matched.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from dedup.standardise import parse_numbers, standardise_countries, standardise_majors
from warehouse.serve import normalise as nz
from warehouse.serve.context import RESTRICTED, reference_date
from warehouse.store.db import query, table_exists, write_table

TABLE = f"{RESTRICTED}.job_posting"
ANYWHERE = ("重庆市", "重庆", "全市", "市内", "不限", "重庆市内", "重庆全市")
OVERSEAS = {"须有留学经历": "required", "留学人员优先": "preferred"}
STATUS_LABELS = {"open": "在招", "expired": "已过截止日期", "duplicate": "同一岗位的其他渠道"}
LIST_SEPARATORS = r"[、，,；;/|]|或"
BRONZE_COLUMNS = [
    "record_key",
    "delivery_date",
    "employer_name",
    "employer_uscc",
    "employer_kind",
    "title",
    "category",
    "posting_kind",
    "majors",
    "min_education",
    "min_degree",
    "min_title_level",
    "overseas_requirement",
    "preferred_countries",
    "max_age",
    "district",
    "salary_min",
    "salary_max",
    "openings",
    "posted_on",
    "closes_on",
    "description",
    "contact_name",
    "contact_phone",
]


def _enum(s: pl.Series, values: tuple[str, ...]) -> pl.Series:
    """Contract enum values (NFKC, trimmed); anything else null."""
    t = nz.clean_text(s)
    return pl.select(pl.when(t.is_in(list(values))).then(t).alias(s.name)).to_series()


def _requirement_rank(s: pl.Series, ranks: pl.Series) -> pl.Series:
    """A requirement's rank; 不限, 无 (rank 0: at least nothing) and unknown text are no requirement (null)."""
    unlimited = nz.clean_text(s).str.contains("不限").fill_null(False)
    return pl.select(pl.when(~pl.lit(unlimited) & (pl.lit(ranks) > 0)).then(pl.lit(ranks)).alias(s.name)).to_series()


def _countries(s: pl.Series) -> pl.Series:
    """Preferred countries (several separated by 、) as a list of ISO alpha-3 codes; null when none."""
    parts = pl.DataFrame(
        {"row": range(s.len()), "part": nz.clean_text(s).str.replace_all(LIST_SEPARATORS, "、").str.split("、")}
    )
    parts = parts.explode("part")
    parts = parts.with_columns(standardise_countries(parts["part"]).alias("code"))
    grouped = parts.group_by("row", maintain_order=True).agg(pl.col("code").drop_nulls().unique(maintain_order=True))
    return grouped.select(pl.when(pl.col("code").list.len() > 0).then(pl.col("code")).alias(s.name)).to_series()


def standardise_postings(bronze: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """The standardised postings of the bronze rows (see module docstring), with duplicates and status."""
    majors = standardise_majors(bronze["majors"])
    district = nz.clean_text(bronze["district"])
    anywhere = district.str.replace_all(r"\s", "").is_in(list(ANYWHERE)).fill_null(False)
    degree = nz.normalise_degree(bronze["min_degree"])
    frame = pl.DataFrame(
        {
            "posting_id": bronze["record_key"],
            "employer_name": nz.clean_text(bronze["employer_name"]),
            "employer_uscc": nz.clean_text(bronze["employer_uscc"]).str.to_uppercase().str.replace_all(r"[\s\-]", ""),
            "employer_kind": _enum(
                bronze["employer_kind"], ("机关", "事业单位", "国有企业", "民营企业", "外资企业", "其他")
            ),
            "title": nz.clean_text(bronze["title"]).str.replace_all(r"\s+", " "),
            "category": nz.clean_text(bronze["category"]),
            "posting_kind": nz.clean_text(bronze["posting_kind"]),
            "majors_text": nz.clean_text(bronze["majors"]),
            "major_codes": majors["codes"],
            "major_any": majors["any_major"],
            "min_education_rank": _requirement_rank(
                bronze["min_education"], nz.education_rank(bronze["min_education"])
            ),
            "min_degree_rank": _requirement_rank(
                bronze["min_degree"], degree.replace_strict(nz.DEGREE_RANK, default=None, return_dtype=pl.Int8)
            ),
            "min_title_rank": _requirement_rank(
                bronze["min_title_level"],
                nz.normalise_title_level(bronze["min_title_level"]).replace_strict(
                    nz.TITLE_RANK, default=None, return_dtype=pl.Int8
                ),
            ),
            "overseas_requirement": nz.clean_text(bronze["overseas_requirement"]).replace_strict(
                OVERSEAS, default=None, return_dtype=pl.Utf8
            ),
            "preferred_countries": _countries(bronze["preferred_countries"]),
            "max_age": parse_numbers(bronze["max_age"], whole=True).cast(pl.Int32),
            "district": nz.standardise_districts(bronze["district"]),
            "district_any": anywhere,
            "salary_min": parse_numbers(bronze["salary_min"], whole=True),
            "salary_max": parse_numbers(bronze["salary_max"], whole=True),
            "openings": parse_numbers(bronze["openings"], whole=True).cast(pl.Int32),
            "posted_on": nz.parse_date_values(bronze["posted_on"]),
            "closes_on": nz.parse_date_values(bronze["closes_on"]),
            "description": nz.clean_text(bronze["description"]),
            "contact_name": nz.clean_text(bronze["contact_name"]),
            "contact_phone": nz.clean_text(bronze["contact_phone"]),
            "delivery_date": nz.parse_date_values(bronze["delivery_date"]),
        }
    )
    return _with_status(frame, as_of)


def _with_status(frame: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """`same_as` (the kept id of an opening delivered under several ids), `status`, `status_label`."""
    opening = [
        pl.coalesce("employer_uscc", "employer_name"),
        pl.col("title").str.replace_all(r"[\s()（）]", ""),
        pl.col("posted_on"),
    ]
    keyed = frame.with_columns(pl.struct(opening).alias("_opening"))
    kept = pl.when(pl.col("_opening").struct.field("posted_on").is_not_null()).then(
        pl.col("posting_id").min().over("_opening")
    )
    keyed = keyed.with_columns(pl.coalesce(kept, pl.col("posting_id")).alias("same_as"))
    status = (
        pl.when(pl.col("same_as") != pl.col("posting_id"))
        .then(pl.lit("duplicate"))
        .when(pl.col("closes_on") < pl.lit(as_of))
        .then(pl.lit("expired"))
        .otherwise(pl.lit("open"))
    )
    return (
        keyed.drop("_opening")
        .with_columns(
            pl.when(pl.col("same_as") != pl.col("posting_id")).then(pl.col("same_as")).alias("same_as"),
            status.alias("status"),
        )
        .with_columns(pl.col("status").replace_strict(STATUS_LABELS, return_dtype=pl.Utf8).alias("status_label"))
        .sort("posting_id")
    )


def build_job_posting(con: duckdb.DuckDBPyConnection) -> int:
    """Write `restricted.job_posting` from `bronze.job_postings` (empty without a delivery); return its rows."""
    if table_exists(con, "bronze.job_postings"):
        bronze = query(con, f"SELECT {', '.join(BRONZE_COLUMNS)} FROM bronze.job_postings")
    else:
        bronze = pl.DataFrame(schema=dict.fromkeys(BRONZE_COLUMNS, pl.Utf8))
    return write_table(con, TABLE, standardise_postings(bronze, reference_date(con)))
