"""What matching needs to know of each person of the talent library (`job_candidate`), and their
majors (`person_major`).

Education and degree are the highest any source records (a degree also implies the education that
leads to it: a 博士 has reached 博士研究生); majors come from the survey and the public-institution
HR system, as catalogue codes; title, age basis, returnee status and return come from the profile and
the golden record. What no source says stays null, and a null never meets a requirement.
"""

from __future__ import annotations

import duckdb
import polars as pl

from dedup.standardise import major_names, standardise_majors
from warehouse.serve import normalise as nz
from warehouse.serve.context import RESTRICTED
from warehouse.serve.facts.education import BRONZE_FIELDS
from warehouse.serve.facts.frames import person_rows
from warehouse.store.db import write_table

MAJOR_SOURCES = ("survey", "pi_hr")


def internship_eligible_sql() -> str:
    """SQL listing `person_id` of everyone eligible for the 就业见习 policy (the policy engine's verdict)."""
    return (
        f"SELECT person_id FROM {RESTRICTED}.policy_push "
        "WHERE policy_id = 'employment_internship' AND status = 'eligible'"
    )


def qualification_rows(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Per source record holding education: person, source, record, education and degree rank, major text."""
    parts = [
        person_rows(
            con, source, [], {k: v for k, v in fields.items() if k in ("degree_text", "education_text", "major")}
        )
        for source, fields in BRONZE_FIELDS.items()
    ]
    raw = pl.concat(parts, how="diagonal_relaxed")
    degree = pl.coalesce(nz.normalise_degree(raw["degree_text"]), nz.degree_from_education(raw["education_text"]))
    return raw.select(
        "person_id",
        "record_uid",
        "source",
        nz.education_rank(raw["education_text"]).alias("education_rank"),
        pl.select(degree)
        .to_series()
        .replace_strict(nz.DEGREE_RANK, default=None, return_dtype=pl.Int8)
        .alias("degree_rank"),
        nz.clean_text(raw["major"]).alias("major_text"),
    )


def person_majors(qualifications: pl.DataFrame) -> pl.DataFrame:
    """One row per recognised major code of a record: person, source, record, text, code and its name."""
    rows = qualifications.filter(pl.col("source").is_in(MAJOR_SOURCES) & pl.col("major_text").is_not_null())
    codes = standardise_majors(rows["major_text"])["codes"]
    names = major_names()
    return (
        rows.select("person_id", "record_uid", "source", "major_text")
        .with_columns(codes.alias("major_code"))
        .explode("major_code")
        .drop_nulls("major_code")
        .with_columns(
            pl.col("major_code").replace_strict(names, default=None, return_dtype=pl.Utf8).alias("major_name")
        )
        .unique(["person_id", "record_uid", "major_code"], maintain_order=True)
        .sort("person_id", "record_uid", "major_code")
    )


def build_job_candidates(con: duckdb.DuckDBPyConnection) -> int:
    """Write `restricted.person_major` and `restricted.job_candidate` (needs the profile and policy
    pushes); return the number of candidates."""
    qualifications = qualification_rows(con)
    write_table(con, f"{RESTRICTED}.person_major", person_majors(qualifications))
    con.register("_qualifications", qualifications.select("person_id", "education_rank", "degree_rank").to_arrow())
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TABLE {RESTRICTED}.job_candidate AS
            WITH q AS (
                SELECT person_id, max(education_rank) AS education_rank, max(degree_rank) AS degree_rank
                FROM _qualifications GROUP BY person_id
            ),
            majors AS (
                SELECT person_id, list(DISTINCT major_code ORDER BY major_code) AS major_codes
                FROM {RESTRICTED}.person_major GROUP BY person_id
            ),
            countries AS (
                SELECT person_id, list(DISTINCT study_country ORDER BY study_country) AS study_countries
                FROM (SELECT person_id, study_country FROM {RESTRICTED}.fact_education
                      UNION ALL SELECT person_id, study_country FROM {RESTRICTED}.fact_fx_study)
                WHERE study_country IS NOT NULL GROUP BY person_id
            ),
            interns AS ({internship_eligible_sql()})
            SELECT p.person_id,
                   greatest(q.education_rank, q.degree_rank)::TINYINT AS education_rank,
                   q.degree_rank::TINYINT AS degree_rank,
                   p.title_rank::TINYINT AS title_rank, p.title_level,
                   d.birth_date, d.birth_precision,
                   p.returnee_status, p.returnee_status_label,
                   coalesce(p.returnee_verified, false) AS returnee_verified,
                   i.person_id IS NOT NULL AS internship_eligible,
                   coalesce(m.major_codes, []::VARCHAR[]) AS major_codes,
                   list_distinct(list_filter([d.district, d.employer_district], lambda x: x IS NOT NULL))
                       AS districts,
                   coalesce(c.study_countries, []::VARCHAR[]) AS study_countries,
                   p.years_since_return
            FROM {RESTRICTED}.person_profile p
            JOIN {RESTRICTED}.dim_person d USING (person_id)
            LEFT JOIN q USING (person_id)
            LEFT JOIN majors m USING (person_id)
            LEFT JOIN countries c USING (person_id)
            LEFT JOIN interns i USING (person_id)
            WHERE p.is_returnee
            ORDER BY p.person_id
            """
        )
    finally:
        con.unregister("_qualifications")
    return int(con.execute(f"SELECT count(*) FROM {RESTRICTED}.job_candidate").fetchall()[0][0])
