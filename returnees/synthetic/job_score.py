"""Score `job_match` against a generated landing area's truth.

Two questions: does any listed person break a posting's hard requirement by their true attributes
(the population, not what the sources say), and is the person a posting was written for listed?
A warehouse person is the true person most of their records belong to.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from returnees.synthetic import employers as emp
from returnees.synthetic.titles import LEVELS

EDUCATION = {"博士研究生": 3, "硕士研究生": 2, "大学本科": 1, "其他": 0}
DEGREE = {"博士": 3, "硕士": 2, "学士": 1, "无": 0}
TITLE = {"正高级": 4, "副高级": 3, "中级": 2, "初级": 1, "无": 0}
CHECKS = ("education", "degree", "title", "age", "internship")


@dataclass(frozen=True)
class JobScore:
    """Listed pairs breaking each hard requirement, and how many planted persons were listed."""

    listed_pairs: int
    violations: dict[str, int]
    planted: int
    planted_listed: int

    @property
    def planted_recall(self) -> float:
        """Share of open postings written for someone that list that person."""
        return self.planted_listed / self.planted if self.planted else 1.0


def _true_people(population: pl.DataFrame) -> pl.DataFrame:
    return population.select(
        pl.col("person_id").alias("true_person_id"),
        "birth",
        pl.col("education").replace_strict(EDUCATION, return_dtype=pl.Int64).alias("education"),
        pl.col("degree").replace_strict(DEGREE, return_dtype=pl.Int64).alias("degree"),
        pl.col("title_level").replace_strict(dict(enumerate(TITLE[level] for level in LEVELS))).alias("title"),
        (pl.col("kind") == emp.NONE).alias("jobless"),
    )


def _requirements(job_truth: pl.DataFrame) -> pl.DataFrame:
    return job_truth.select(
        "posting_id",
        pl.col("min_education").replace_strict(EDUCATION, default=None, return_dtype=pl.Int64).alias("r_education"),
        pl.col("min_degree").replace_strict(DEGREE, default=None, return_dtype=pl.Int64).alias("r_degree"),
        pl.col("min_title_level").replace_strict(TITLE, default=None, return_dtype=pl.Int64).alias("r_title"),
        pl.col("max_age").cast(pl.Int64).alias("r_age"),
        (pl.col("internship").cast(pl.Utf8) == "true").alias("r_internship"),
        pl.col("posted_on").cast(pl.Utf8).str.to_date(),
    )


def score_job_match(
    job_match: pl.DataFrame,
    person_xref: pl.DataFrame,
    truth: pl.DataFrame,
    job_truth: pl.DataFrame,
    population: pl.DataFrame,
) -> JobScore:
    """Score `job_match` (warehouse) against `truth.csv`, `job_truth.csv` and the generated population."""
    owner = (
        person_xref.join(truth, on=["source", "record_key"])
        .group_by("person_id")
        .agg(pl.col("true_person_id").mode().sort().first())
    )
    listed = job_match.join(owner, on="person_id", how="left")
    pairs = listed.join(_requirements(job_truth), on="posting_id").join(
        _true_people(population), on="true_person_id", how="left"
    )
    on, born = pl.col("posted_on"), pl.col("birth")
    before_birthday = (on.dt.month() < born.dt.month()) | (
        (on.dt.month() == born.dt.month()) & (on.dt.day() < born.dt.day())
    )
    age = on.dt.year() - born.dt.year() - before_birthday.cast(pl.Int32)
    broken = pairs.select(
        (pl.col("r_education").is_not_null() & (pl.col("education") < pl.col("r_education"))).alias("education"),
        (pl.col("r_degree").is_not_null() & (pl.col("degree") < pl.col("r_degree"))).alias("degree"),
        (pl.col("r_title").is_not_null() & (pl.col("title") < pl.col("r_title"))).alias("title"),
        (pl.col("r_age").is_not_null() & (age > pl.col("r_age"))).alias("age"),
        (pl.col("r_internship") & (~pl.col("jobless") | (pl.col("degree") == 0))).alias("internship"),
    )
    # An opening delivered under two ids counts once: credit a listing under either.
    opening = job_truth.select("posting_id", pl.coalesce("same_as", "posting_id").alias("opening"))
    planted = job_truth.filter(pl.col("status").is_in(["open", "duplicate"]) & pl.col("written_for").is_not_null())
    planted = planted.join(opening, on="posting_id").unique("opening")
    hits = listed.join(opening, on="posting_id").select("opening", pl.col("true_person_id").alias("written_for"))
    found = planted.join(hits, on=["opening", "written_for"], how="semi").height
    return JobScore(
        listed_pairs=job_match.height,
        violations={check: int(broken[check].fill_null(False).sum()) for check in CHECKS},
        planted=planted.height,
        planted_listed=found,
    )
