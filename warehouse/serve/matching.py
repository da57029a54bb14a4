"""`job_match`: for every open posting, the talent-library persons who meet all its hard requirements,
best first (at most `MAX_PER_POSTING`), with the reasons in Chinese.

Hard requirements (学历, 学位, 职称, 年龄上限, 须有留学经历, and for a 就业见习 posting the 就业见习
policy) must be shown by the warehouse's data: an unknown value does not meet them, while a
requirement the posting leaves unknown is none. Soft fit orders the persons. The major decides
first (`MAJOR_POINTS`: the same discipline, the same 专业类, unknown, another), then district,
preferred study country, 留学人员优先, title and a recent return add points (at most
`MAX_OTHER_POINTS`, fewer than the gap between two major levels).

That order lets matching block in DuckDB instead of pairing everyone with everything: a posting
that names majors first takes only the persons who share a code or a 专业类 with it; only when
fewer than `MAX_PER_POSTING` of them meet the hard requirements are all persons who meet them
scored. Hard requirements are themselves joined through buckets of (education, degree, title,
verified returnee, 就业见习) that each posting accepts.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from dedup.standardise import major_names
from warehouse.serve.context import RESTRICTED
from warehouse.serve.normalise import DEGREE_RANK, EDUCATION_RANK, TITLE_RANK, country_names
from warehouse.store.db import scalar

TABLE = "main.job_match"
MAX_PER_POSTING = 100
MAJOR_POINTS = {"exact": 75, "any": 75, "category": 50, "unknown": 25, "other": 0}
DISTRICT_POINTS = 8
COUNTRY_POINTS = 6
ABROAD_POINTS = {"verified": 5, "declared": 3}
TITLE_POINTS = 3  # one per title rank, at most this
RECENT_POINTS = {3: 2, 5: 1}  # returned at most this many years ago → points
MAX_OTHER_POINTS = (
    DISTRICT_POINTS + COUNTRY_POINTS + ABROAD_POINTS["verified"] + TITLE_POINTS + max(RECENT_POINTS.values())
)
assert MAJOR_POINTS["category"] - MAJOR_POINTS["unknown"] > MAX_OTHER_POINTS, "专业档次之间的差须大于其余加分之和"

DDL = (
    f"CREATE OR REPLACE TABLE {TABLE} (posting_id VARCHAR, person_id VARCHAR, rank_for_posting INTEGER, "
    "score DOUBLE, reasons VARCHAR)"
)
CANDIDATES = f"{RESTRICTED}.job_candidate"
HARD = """coalesce(
    (j.min_education_rank IS NULL OR c.education_rank >= j.min_education_rank)
    AND (j.min_degree_rank IS NULL OR c.degree_rank >= j.min_degree_rank)
    AND (j.min_title_rank IS NULL OR c.title_rank >= j.min_title_rank)
    AND (j.born_after IS NULL OR c.birth_date > j.born_after)
    AND (NOT j.requires_abroad OR c.returnee_verified)
    AND (NOT j.internship OR c.internship_eligible), false)"""


def _label(column: str, ranks: dict[str, int]) -> str:
    whens = " ".join(f"WHEN {rank} THEN '{label}'" for label, rank in ranks.items())
    return f"(CASE {column} {whens} END)"


def _prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Temporary tables: open postings `_jp` with their requirements, candidates `_jc` with buckets,
    and the keys majors are joined on."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _jp AS
        SELECT posting_id, min_education_rank, min_degree_rank, min_title_rank, max_age,
               coalesce(posted_on, delivery_date) AS age_on,
               CASE WHEN max_age IS NOT NULL
                    THEN (coalesce(posted_on, delivery_date) - to_years(max_age + 1))::DATE END AS born_after,
               coalesce(overseas_requirement = 'required', false) AS requires_abroad,
               coalesce(overseas_requirement = 'preferred', false) AS prefers_abroad,
               coalesce(posting_kind = '就业见习', false) AS internship,
               district, district_any, coalesce(preferred_countries, []::VARCHAR[]) AS preferred_countries,
               coalesce(major_codes, []::VARCHAR[]) AS major_codes,
               major_any OR major_codes IS NULL AS major_open
        FROM {RESTRICTED}.job_posting WHERE status = 'open'
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _jc AS
        SELECT *, coalesce(education_rank, -1) AS b_edu, coalesce(degree_rank, -1) AS b_deg,
               coalesce(title_rank, -1) AS b_title
        FROM {CANDIDATES}
        """
    )
    # Exact: a person's code or one of its categories is a posting's code (080901 meets 080901, 0809, 08).
    # Category: the same 专业类 (4-digit prefix), or a person's coarser code that contains the posting's.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _person_keys AS
        WITH codes AS (SELECT person_id, unnest(major_codes) AS code FROM _jc)
        SELECT DISTINCT person_id, code, unnest([left(code, 2), left(code, 4), code]) AS key, 'exact' AS level
        FROM codes
        UNION ALL
        SELECT DISTINCT person_id, code, left(code, 4) AS key, 'category' FROM codes
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _posting_keys AS
        WITH codes AS (SELECT posting_id, unnest(major_codes) AS code FROM _jp WHERE NOT major_open)
        SELECT DISTINCT posting_id, code, code AS key, 'exact' AS level FROM codes
        UNION ALL
        SELECT DISTINCT posting_id, code, unnest([left(code, 4), left(code, 2)]) AS key, 'category' FROM codes
        """
    )


def _pairs(con: duckdb.DuckDBPyConnection) -> None:
    """`_pairs`: the (posting, person) pairs to score, with the best major level and the codes behind it."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _by_major AS
        SELECT k.posting_id, c.person_id,
               arg_min({{'level': k.level, 'person_code': p.code, 'posting_code': k.code}},
                       (k.level <> 'exact', -length(k.code), p.code)) AS best
        FROM _posting_keys k
        JOIN _person_keys p ON p.key = k.key AND p.level = k.level
        JOIN _jp j ON j.posting_id = k.posting_id
        JOIN _jc c ON c.person_id = p.person_id
        WHERE {HARD}
        GROUP BY k.posting_id, c.person_id
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _wide AS  -- postings whose major blocks leave too few: all who qualify
        SELECT posting_id FROM _jp WHERE major_open
        UNION ALL
        SELECT j.posting_id FROM _jp j LEFT JOIN (SELECT posting_id, count(*) AS n FROM _by_major GROUP BY 1) m
            USING (posting_id)
        WHERE NOT j.major_open AND coalesce(m.n, 0) < {MAX_PER_POSTING}
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _pairs AS
        WITH buckets AS (
            SELECT DISTINCT b_edu, b_deg, b_title, returnee_verified, internship_eligible FROM _jc
        ),
        fits AS (
            SELECT j.posting_id, b.*
            FROM _jp j JOIN _wide USING (posting_id), buckets b
            WHERE b.b_edu >= coalesce(j.min_education_rank, -1) AND b.b_deg >= coalesce(j.min_degree_rank, -1)
              AND b.b_title >= coalesce(j.min_title_rank, -1)
              AND (b.returnee_verified OR NOT j.requires_abroad) AND (b.internship_eligible OR NOT j.internship)
        ),
        everyone AS (
            SELECT f.posting_id, c.person_id
            FROM fits f
            JOIN _jc c USING (b_edu, b_deg, b_title, returnee_verified, internship_eligible)
            JOIN _jp j ON j.posting_id = f.posting_id
            WHERE j.born_after IS NULL OR c.birth_date > j.born_after
        )
        SELECT e.posting_id, e.person_id, m.best FROM everyone e LEFT JOIN _by_major m USING (posting_id, person_id)
        UNION ALL
        SELECT posting_id, person_id, best FROM _by_major WHERE posting_id NOT IN (SELECT posting_id FROM _wide)
        """
    )


def _score_sql() -> str:
    """The points of a pair row `p` (see module docstring)."""
    recent = " ".join(f"WHEN p.years_since_return <= {years} THEN {points}" for years, points in RECENT_POINTS.items())
    majors = " ".join(f"WHEN '{level}' THEN {points}" for level, points in MAJOR_POINTS.items())
    return f"""
        CASE p.major_level {majors} END
        + CASE WHEN p.district_fit THEN {DISTRICT_POINTS} ELSE 0 END
        + CASE WHEN p.country IS NOT NULL THEN {COUNTRY_POINTS} ELSE 0 END
        + CASE WHEN NOT p.prefers_abroad THEN 0 WHEN p.returnee_verified THEN {ABROAD_POINTS["verified"]}
               ELSE {ABROAD_POINTS["declared"]} END
        + least(coalesce(p.title_rank, 0), {TITLE_POINTS})
        + CASE {recent} ELSE 0 END
    """


def _rank(con: duckdb.DuckDBPyConnection) -> None:
    """Score every pair and keep the best `MAX_PER_POSTING` of each posting (ties: smaller person id)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ranked AS
        WITH p AS (
            SELECT p.posting_id, p.person_id, p.best, j.prefers_abroad, c.returnee_verified, c.title_rank,
                   c.years_since_return,
                   CASE WHEN j.major_open THEN 'any' WHEN p.best IS NOT NULL THEN p.best.level
                        WHEN len(c.major_codes) = 0 THEN 'unknown' ELSE 'other' END AS major_level,
                   coalesce(j.district_any OR list_contains(c.districts, j.district), false) AS district_fit,
                   list_intersect(c.study_countries, j.preferred_countries)[1] AS country
            FROM _pairs p JOIN _jp j USING (posting_id) JOIN _jc c USING (person_id)
        )
        SELECT posting_id, person_id, best, major_level, district_fit, country, ({_score_sql()})::DOUBLE AS score
        FROM p
        QUALIFY row_number() OVER (PARTITION BY posting_id ORDER BY score DESC, person_id) <= {MAX_PER_POSTING}
        """
    )


def _reasons_sql() -> str:
    """The Chinese reasons of a ranked row `r` for posting `j` and candidate `c` (see module docstring)."""
    education = _label("c.education_rank", EDUCATION_RANK)
    degree = _label("c.degree_rank", DEGREE_RANK)
    title = _label("c.title_rank", TITLE_RANK)
    person_major = "coalesce(pm.name, r.best.person_code)"
    posting_major = "coalesce(jm.name, r.best.posting_code)"
    items = [
        f"CASE WHEN j.min_education_rank IS NOT NULL THEN {education} || '≥' || "
        f"{_label('j.min_education_rank', EDUCATION_RANK)} END",
        f"CASE WHEN j.min_degree_rank IS NOT NULL THEN {degree} || '≥' || "
        f"{_label('j.min_degree_rank', DEGREE_RANK)} END",
        f"CASE WHEN j.min_title_rank IS NOT NULL THEN {title} || '≥' || {_label('j.min_title_rank', TITLE_RANK)} END",
        "CASE WHEN j.max_age IS NOT NULL THEN date_sub('year', c.birth_date, j.age_on)::VARCHAR || '岁≤'"
        " || j.max_age::VARCHAR || '岁' END",
        "CASE WHEN j.requires_abroad THEN '留学经历' || c.returnee_status_label END",
        "CASE WHEN j.internship THEN '符合就业见习条件' END",
        f"""CASE r.major_level
              WHEN 'any' THEN '专业不限'
              WHEN 'exact' THEN CASE WHEN r.best.person_code = r.best.posting_code THEN {person_major} || '专业对口'
                                     ELSE {person_major} || '属' || {posting_major} END
              WHEN 'category' THEN {person_major} || '与' || {posting_major} || '同属'
                                   || coalesce(jc.name, left(r.best.posting_code, least(4, length(r.best.person_code))))
              WHEN 'unknown' THEN '专业未知'
              ELSE '专业不同' END""",
        "CASE WHEN r.district_fit THEN CASE WHEN j.district_any THEN '工作地点全市' ELSE j.district END END",
        "CASE WHEN r.country IS NOT NULL THEN '留学' || coalesce(cn.name_zh, r.country) END",
        "CASE WHEN j.prefers_abroad THEN '留学人员（' || c.returnee_status_label || '）' END",
        "CASE WHEN c.title_rank >= 1 THEN c.title_level || '职称' END",
        f"CASE WHEN c.years_since_return <= {max(RECENT_POINTS)} "
        "THEN '回国' || c.years_since_return::VARCHAR || '年' END",
    ]
    return f"concat_ws('；', {', '.join(items)})"


def build_job_match(con: duckdb.DuckDBPyConnection) -> int:
    """Write `main.job_match` (needs `job_posting` and `job_candidate`); return its rows."""
    con.execute(DDL)
    _prepare(con)
    _pairs(con)
    _rank(con)
    names = pl.DataFrame(list(major_names().items()), schema={"code": pl.Utf8, "name": pl.Utf8}, orient="row")
    con.register("_major_names", names.to_arrow())
    con.register("_countries", country_names().to_arrow())
    try:
        con.execute(
            f"""
            INSERT INTO {TABLE}
            SELECT r.posting_id, r.person_id,
                   row_number() OVER (PARTITION BY r.posting_id ORDER BY r.score DESC, r.person_id)::INTEGER,
                   r.score, {_reasons_sql()}
            FROM _ranked r JOIN _jp j USING (posting_id) JOIN _jc c USING (person_id)
            LEFT JOIN _major_names pm ON pm.code = r.best.person_code
            LEFT JOIN _major_names jm ON jm.code = r.best.posting_code
            LEFT JOIN _major_names jc
                ON jc.code = left(r.best.posting_code, least(4, length(r.best.person_code)))
            LEFT JOIN _countries cn ON cn.code = r.country
            ORDER BY r.posting_id, 3
            """
        )
    finally:
        con.unregister("_major_names")
        con.unregister("_countries")
        for table in ("_jp", "_jc", "_person_keys", "_posting_keys", "_by_major", "_wide", "_pairs", "_ranked"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return int(scalar(con, f"SELECT count(*) FROM {TABLE}") or 0)


@dataclass(frozen=True)
class MatchSummary:
    """How the night's matching went: open postings and how many have at least one candidate."""

    open_postings: int
    with_candidates: int

    @property
    def share(self) -> float:
        """Share of open postings with a candidate (0 when there is none open)."""
        return self.with_candidates / self.open_postings if self.open_postings else 0.0


def match_summary(con: duckdb.DuckDBPyConnection) -> MatchSummary:
    """Open postings of this build and those with at least one person in `job_match`."""
    row = con.execute(
        f"""
        SELECT count(*), count(*) FILTER (WHERE posting_id IN (SELECT posting_id FROM {TABLE}))
        FROM {RESTRICTED}.job_posting WHERE status = 'open'
        """
    ).fetchall()[0]
    return MatchSummary(int(row[0]), int(row[1]))
