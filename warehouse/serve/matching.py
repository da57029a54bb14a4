"""`job_match`: for every open posting, the talent-library persons who meet all its hard requirements,
best first (at most `MAX_PER_POSTING`), with the reasons in Chinese.

Hard requirements (学历, 学位, 职称, 年龄上限, 须有留学经历, and for a 就业见习 posting the 就业见习
policy) must be shown by the warehouse's data: an unknown value does not meet them, while a
requirement the posting leaves unknown is none. Soft fit orders the persons. The major decides
first (`MAJOR_POINTS`: the same discipline, the same 专业类, unknown, another), then district,
preferred study country, 留学人员优先, title and a recent return add points (at most
`MAX_OTHER_POINTS`, fewer than the gap between two major levels).

That order lets matching block in DuckDB instead of pairing everyone with everything: a posting
that names majors first takes only the persons who share a code with it, then a 专业类; only when
fewer than `MAX_PER_POSTING` of them meet the hard requirements are all persons who meet them
scored. A posting taking any major first scores its district, and stops there when its 100th best
beats anything from outside. Hard requirements are joined through buckets of (education, degree,
title, verified returnee, 就业见习) that each posting accepts; the best are kept by a top-N
aggregate over one integer per pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import duckdb
import polars as pl

from dedup.standardise import major_names
from warehouse.serve.context import RESTRICTED
from warehouse.serve.normalise import DEGREE_RANK, EDUCATION_RANK, TITLE_RANK, country_names

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
_TIERS = sorted(set(MAJOR_POINTS.values()))
assert min(b - a for a, b in pairwise(_TIERS)) > MAX_OTHER_POINTS, "专业档次之间的差须大于其余加分之和"
assert _TIERS[-1] + MAX_OTHER_POINTS < 100, "排序键假定匹配分小于 100"

DDL = (
    f"CREATE OR REPLACE TABLE {TABLE} (posting_id VARCHAR, person_id VARCHAR, rank_for_posting INTEGER, "
    "score DOUBLE, reasons VARCHAR)"
)
CANDIDATES = f"{RESTRICTED}.job_candidate"
TEMPORARY = (  # tables one build of `job_match` creates and drops
    "_jp",
    "_jc",
    "_person_keys",
    "_posting_keys",
    "_keys",
    "_exact",
    "_category",
    "_local",
    "_settled",
    "_wide",
    "_pairs",
    "_ranked",
    "_best_codes",
)
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
    """Temporary tables: open postings `_jp` and candidates `_jc`, each with a small integer id (`jid`,
    `cid` in person-id order), and the integer major keys both are joined on."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _jp AS
        SELECT row_number() OVER (ORDER BY posting_id)::INTEGER AS jid, posting_id, min_education_rank,
               min_degree_rank, min_title_rank, max_age, coalesce(posted_on, delivery_date) AS age_on,
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
        SELECT row_number() OVER (ORDER BY person_id)::INTEGER AS cid, *,
               coalesce(education_rank, -1) AS b_edu, coalesce(degree_rank, -1) AS b_deg,
               coalesce(title_rank, -1) AS b_title, len(major_codes) = 0 AS major_unknown
        FROM {CANDIDATES}
        """
    )
    # Exact: a person's code or one of its categories is a posting's code (080901 meets 080901, 0809, 08).
    # Category: the same 专业类 (4-digit prefix), or a person's coarser code that contains the posting's.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _person_keys AS
        WITH codes AS (SELECT cid, unnest(major_codes) AS code FROM _jc)
        SELECT DISTINCT cid, code, unnest([left(code, 2), left(code, 4), code]) AS key, 'exact' AS level FROM codes
        UNION ALL
        SELECT DISTINCT cid, code, left(code, 4) AS key, 'category' FROM codes
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _posting_keys AS
        WITH codes AS (SELECT jid, unnest(major_codes) AS code FROM _jp WHERE NOT major_open)
        SELECT DISTINCT jid, code, code AS key, 'exact' AS level FROM codes
        UNION ALL
        SELECT DISTINCT jid, code, unnest([left(code, 4), left(code, 2)]) AS key, 'category' FROM codes
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _keys AS
        SELECT key, level, row_number() OVER (ORDER BY key, level)::INTEGER AS kid
        FROM (SELECT DISTINCT key, level FROM _posting_keys)
        """
    )


def _major_tier(con: duckdb.DuckDBPyConnection, table: str, level: str, postings: str) -> None:
    """`table`: (jid, cid) pairs of `postings` (a query of jids) sharing a `level` major key and meeting
    every hard requirement."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        WITH p AS (SELECT DISTINCT k.jid, x.kid FROM _posting_keys k JOIN _keys x USING (key, level)
                   WHERE k.level = '{level}' AND k.jid IN ({postings})),
             m AS (SELECT DISTINCT k.cid, x.kid FROM _person_keys k JOIN _keys x USING (key, level)
                   WHERE k.level = '{level}'),
             pairs AS (SELECT DISTINCT p.jid, m.cid FROM p JOIN m USING (kid))
        SELECT pairs.jid, pairs.cid FROM pairs JOIN _jp j ON j.jid = pairs.jid JOIN _jc c ON c.cid = pairs.cid
        WHERE {HARD}
        """
    )


def _few(tables: list[str]) -> str:
    """Open postings with fewer than `MAX_PER_POSTING` pairs in the given tier tables."""
    counted = " UNION ".join(f"SELECT jid, cid FROM {t}" for t in tables)  # a pair in two tiers counts once
    return f"""
        SELECT j.jid FROM _jp j LEFT JOIN (SELECT jid, count(*) AS n FROM ({counted}) GROUP BY jid) m USING (jid)
        WHERE NOT j.major_open AND coalesce(m.n, 0) < {MAX_PER_POSTING}
    """


def _local(con: duckdb.DuckDBPyConnection) -> None:
    """A posting that takes any major but names a district first scores who qualifies in that district
    (`_local`). It is `_settled` when its 100th best there has more points than anyone outside could
    reach (the district's points missing, every other item at its maximum): then nobody else is scored."""
    outside = f"""({MAJOR_POINTS["any"]} + CASE WHEN len(j.preferred_countries) > 0 THEN {COUNTRY_POINTS} ELSE 0 END
                   + CASE WHEN j.prefers_abroad THEN {ABROAD_POINTS["verified"]} ELSE 0 END
                   + {TITLE_POINTS} + {max(RECENT_POINTS.values())})"""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _local AS
        WITH places AS (SELECT DISTINCT cid, unnest(districts) AS district FROM _jc)
        SELECT j.jid, c.cid FROM _jp j JOIN places d ON d.district = j.district JOIN _jc c ON c.cid = d.cid
        WHERE j.major_open AND NOT j.district_any AND {HARD}
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _settled AS
        WITH p AS (SELECT jid, cid, 4 AS level FROM _local),
        scored AS (
            SELECT p.jid, {_score_sql()} AS points
            FROM p JOIN _jp j USING (jid) JOIN _jc c USING (cid)
        ),
        best AS (SELECT jid, max(points, {MAX_PER_POSTING}) AS top FROM scored GROUP BY jid)
        SELECT b.jid FROM best b JOIN _jp j USING (jid)
        WHERE len(b.top) = {MAX_PER_POSTING} AND list_min(b.top) > {outside}
        """
    )


def _pairs(con: duckdb.DuckDBPyConnection) -> None:
    """`_pairs` (jid, cid, level): every pair that can reach a posting's top `MAX_PER_POSTING`, with its
    major level. Exact majors first; the same 专业类 only where those are too few; everyone who meets the
    hard requirements only where both are too few, or the posting takes any major."""
    _major_tier(con, "_exact", "exact", "SELECT jid FROM _jp")
    _major_tier(con, "_category", "category", _few(["_exact"]))
    _local(con)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _wide AS
        SELECT jid FROM _jp WHERE major_open AND jid NOT IN (SELECT jid FROM _settled)
        UNION ALL {_few(["_exact", "_category"])}
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _pairs AS
        WITH buckets AS (
            SELECT DISTINCT b_edu, b_deg, b_title, returnee_verified, internship_eligible FROM _jc
        ),
        fits AS (
            SELECT j.jid, b.*
            FROM _jp j JOIN _wide USING (jid), buckets b
            WHERE b.b_edu >= coalesce(j.min_education_rank, -1) AND b.b_deg >= coalesce(j.min_degree_rank, -1)
              AND b.b_title >= coalesce(j.min_title_rank, -1)
              AND (b.returnee_verified OR NOT j.requires_abroad) AND (b.internship_eligible OR NOT j.internship)
        ),
        everyone AS (
            SELECT f.jid, c.cid, c.major_unknown, j.major_open
            FROM fits f
            JOIN _jc c USING (b_edu, b_deg, b_title, returnee_verified, internship_eligible)
            JOIN _jp j ON j.jid = f.jid
            WHERE j.born_after IS NULL OR c.birth_date > j.born_after
        ),
        tiers AS (
            SELECT jid, cid, 3 AS level FROM _exact
            UNION ALL SELECT jid, cid, 2 FROM _category ANTI JOIN _exact USING (jid, cid)
        )
        SELECT jid, cid, level FROM tiers ANTI JOIN _wide USING (jid)
        UNION ALL
        SELECT jid, cid, 4 FROM _local SEMI JOIN _settled USING (jid)
        UNION ALL
        SELECT jid, cid, 4 FROM everyone WHERE major_open
        UNION ALL
        SELECT e.jid, e.cid, coalesce(t.level, CASE WHEN e.major_unknown THEN 1 ELSE 0 END)
        FROM everyone e LEFT JOIN tiers t USING (jid, cid) WHERE NOT e.major_open
        """
    )


LEVELS = {4: "any", 3: "exact", 2: "category", 1: "unknown", 0: "other"}


def _score_sql() -> str:
    """The points (0–99) of a pair row `p` joined to posting `j` and candidate `c` (see module docstring)."""
    recent = " ".join(f"WHEN c.years_since_return <= {years} THEN {points}" for years, points in RECENT_POINTS.items())
    majors = " ".join(f"WHEN {level} THEN {MAJOR_POINTS[name]}" for level, name in LEVELS.items())
    return f"""
        CASE p.level {majors} END
        + CASE WHEN j.district_any OR list_contains(c.districts, j.district) THEN {DISTRICT_POINTS} ELSE 0 END
        + CASE WHEN list_has_any(c.study_countries, j.preferred_countries) THEN {COUNTRY_POINTS} ELSE 0 END
        + CASE WHEN NOT j.prefers_abroad THEN 0 WHEN c.returnee_verified THEN {ABROAD_POINTS["verified"]}
               ELSE {ABROAD_POINTS["declared"]} END
        + least(coalesce(c.title_rank, 0), {TITLE_POINTS})
        + CASE {recent} ELSE 0 END
    """


def _rank(con: duckdb.DuckDBPyConnection) -> None:
    """`_ranked` (jid, cid, points, level, rank): the best `MAX_PER_POSTING` of each posting, by a top-N
    aggregate over one integer per pair, (100 - points) · 2^32 + cid: smallest for the most points, then
    the smallest cid (person ids are numbered in order). The major level follows from the points."""
    levels = " ".join(
        f"WHEN points >= {MAJOR_POINTS[name]} THEN {level}" for level, name in LEVELS.items() if name != "any"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _ranked AS
        WITH scored AS (
            SELECT p.jid, ((100 - ({_score_sql()}))::BIGINT << 32) + p.cid AS sort_key
            FROM _pairs p
            JOIN (SELECT jid, district_any, district, preferred_countries, prefers_abroad FROM _jp) j USING (jid)
            JOIN (SELECT cid, districts, study_countries, returnee_verified, title_rank, years_since_return FROM _jc) c
                USING (cid)
        ),
        top AS (SELECT jid, min(sort_key, {MAX_PER_POSTING}) AS keys FROM scored GROUP BY jid),
        ranked AS (
            SELECT jid, unnest(keys) AS sort_key, generate_subscripts(keys, 1)::INTEGER AS rank FROM top
        ),
        decoded AS (
            SELECT jid, (sort_key & 4294967295)::INTEGER AS cid, (100 - (sort_key >> 32))::INTEGER AS points, rank
            FROM ranked
        )
        SELECT d.*, CASE WHEN j.major_open THEN 4 ELSE CASE {levels} END END AS level
        FROM decoded d JOIN _jp j USING (jid)
        """
    )


def _codes(con: duckdb.DuckDBPyConnection) -> None:
    """`_best_codes`: for the ranked pairs with an exact or category major, the codes that matched
    (the posting's most specific one)."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _best_codes AS
        SELECT r.jid, r.cid,
               arg_min({'person_code': c.code, 'posting_code': p.code}, (-length(p.code), c.code)) AS best
        FROM _ranked r
        JOIN _posting_keys p ON p.jid = r.jid AND p.level = CASE r.level WHEN 3 THEN 'exact' ELSE 'category' END
        JOIN _person_keys c ON c.cid = r.cid AND c.key = p.key AND c.level = p.level
        WHERE r.level IN (2, 3)
        GROUP BY r.jid, r.cid
        """
    )


def _reasons_sql() -> str:
    """The Chinese reasons of a ranked row `r` for posting `j` and candidate `c` (see module docstring)."""
    education = _label("c.education_rank", EDUCATION_RANK)
    degree = _label("c.degree_rank", DEGREE_RANK)
    title = _label("c.title_rank", TITLE_RANK)
    person_major = "coalesce(pm.name, b.best.person_code)"
    posting_major = "coalesce(jm.name, b.best.posting_code)"
    shared = "coalesce(jc.name, left(b.best.posting_code, least(4, length(b.best.person_code))))"
    country = "list_intersect(c.study_countries, j.preferred_countries)[1]"
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
        f"""CASE r.level
              WHEN 4 THEN '专业不限'
              WHEN 3 THEN CASE WHEN b.best.person_code = b.best.posting_code THEN {person_major} || '专业对口'
                               ELSE {person_major} || '属' || {posting_major} END
              WHEN 2 THEN {person_major} || '与' || {posting_major} || '同属' || {shared}
              WHEN 1 THEN '专业未知'
              ELSE '专业不同' END""",
        "CASE WHEN j.district_any THEN '工作地点全市' WHEN list_contains(c.districts, j.district) THEN j.district END",
        f"CASE WHEN {country} IS NOT NULL THEN '留学' || coalesce(cn.name_zh, {country}) END",
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
    _codes(con)
    names = pl.DataFrame(list(major_names().items()), schema={"code": pl.Utf8, "name": pl.Utf8}, orient="row")
    con.register("_major_names", names.to_arrow())
    con.register("_countries", country_names().to_arrow())
    try:
        con.execute(
            f"""
            INSERT INTO {TABLE}
            SELECT j.posting_id, c.person_id, r.rank, r.points::DOUBLE, {_reasons_sql()}
            FROM _ranked r JOIN _jp j USING (jid) JOIN _jc c USING (cid)
            LEFT JOIN _best_codes b ON b.jid = r.jid AND b.cid = r.cid
            LEFT JOIN _major_names pm ON pm.code = b.best.person_code
            LEFT JOIN _major_names jm ON jm.code = b.best.posting_code
            LEFT JOIN _major_names jc
                ON jc.code = left(b.best.posting_code, least(4, length(b.best.person_code)))
            LEFT JOIN _countries cn ON cn.code = list_intersect(c.study_countries, j.preferred_countries)[1]
            ORDER BY j.posting_id, r.rank
            """
        )
    finally:
        con.unregister("_major_names")
        con.unregister("_countries")
        for table in TEMPORARY:
            con.execute(f"DROP TABLE IF EXISTS {table}")
    return int(con.execute(f"SELECT count(*) FROM {TABLE}").fetchall()[0][0])


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
