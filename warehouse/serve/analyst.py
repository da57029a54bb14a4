"""The analyst file (`analyst.duckdb` beside the warehouse): what analysts may read, and nothing else.

It is its own DuckDB file, built in the run's restricted connection through `ATTACH … AS analyst`
and published together with the warehouse. It holds:

- `person`: one row per person with the pseudonymous `person_id` and no quasi-identifier finer
  than year of birth + district + sex (no name, ID, contact, birth date, study or employer detail);
- dimension tables without personal data (employers, policies and their conditions);
- statistics, every count of which is 5 or more or suppressed (null, shown as `<5`), with
  complementary suppression where a total would reveal a suppressed cell (warehouse/serve/disclosure.py);
- `run_info`: the run that built it (the same `run_id` as the warehouse's).

No view refers to the restricted file: every object is a table of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from warehouse.serve.context import RESTRICTED
from warehouse.serve.dictionary import apply_comments
from warehouse.serve.disclosure import RowLine, suppress_small_cells
from warehouse.serve.normalise import country_names
from warehouse.serve.yearly_stats import respondents, yearly_statistics

CATALOG = "analyst"  # the analyst file as the run's connection attaches it
R = RESTRICTED

# Person-level tables: the columns they may carry besides `person_id`. Quasi-identifiers stop at
# year of birth + district + sex.
PERSON_LEVEL: dict[str, tuple[str, ...]] = {
    "person": ("sex", "birth_year", "district", "is_returnee", "returnee_status", "returnee_status_label"),
    # which persons a posting lists, in order; no score or reasons (they name degree, age and major)
    "job_match": ("posting_id", "rank_for_posting"),
}
QUASI_IDENTIFIERS = ("sex", "birth_year", "district")

TABLES: dict[str, str] = {
    "person": f"""
        SELECT person_id, sex, year(birth_date)::INTEGER AS birth_year, district, is_returnee, returnee_status,
               returnee_status_label
        FROM {R}.dim_person ORDER BY person_id
    """,
    "job_match": "SELECT posting_id, person_id, rank_for_posting FROM main.job_match ORDER BY ALL",
    "dim_employer": f"SELECT * FROM {R}.dim_employer ORDER BY employer_uscc",
    "job_posting": f"""
        SELECT j.posting_id, j.employer_name, j.employer_uscc, j.employer_kind, j.title, j.category, j.posting_kind,
               j.majors_text, j.major_codes, j.major_any, j.min_education_rank, j.min_degree_rank, j.min_title_rank,
               j.overseas_requirement, j.preferred_countries, j.max_age, j.district, j.district_any, j.salary_min,
               j.salary_max, j.openings, j.posted_on, j.closes_on, j.same_as, j.status, j.status_label,
               j.delivery_date, count(m.person_id) > 0 AS has_candidates
        FROM {R}.job_posting j LEFT JOIN main.job_match m USING (posting_id)
        GROUP BY ALL ORDER BY j.posting_id
    """,
    "dim_policy": f"SELECT * FROM {R}.dim_policy ORDER BY policy_id",
    "dim_policy_condition": f"SELECT * FROM {R}.dim_policy_condition ORDER BY ALL",
}


@dataclass(frozen=True)
class Statistic:
    """A statistics table: its query over the restricted tables and which columns are counts."""

    sql: str
    counts: tuple[str, ...]
    derived: dict[str, str] = field(default_factory=dict)  # column computed from a count → that count
    lines: tuple[RowLine, ...] = ()


_LIBRARY = f"(SELECT * FROM {R}.person_profile WHERE is_returnee)"
_OPEN_POSTINGS = f"""(
    SELECT j.*, count(m.person_id) AS candidates
    FROM {R}.job_posting j LEFT JOIN main.job_match m USING (posting_id) WHERE j.status = 'open' GROUP BY ALL
)"""
_POSTING_COUNTS = (
    "count(*) AS open_postings, coalesce(sum(openings), 0) AS openings_total, "
    "count(*) FILTER (WHERE candidates > 0) AS postings_with_candidates, "
    "count(*) FILTER (WHERE candidates = 0) AS unmet_postings, coalesce(sum(candidates), 0) AS candidates_listed"
)
_POSTING_COUNT_COLUMNS = (
    "open_postings",
    "openings_total",
    "postings_with_candidates",
    "unmet_postings",
    "candidates_listed",
)
_SHARE = "round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS share_pct"
_YEAR = "year(any_value(as_of_date))::INTEGER AS stat_year"

STATISTICS: dict[str, Statistic] = {
    "stats_overview": Statistic(
        f"""
        SELECT count(*) AS persons, count(*) FILTER (WHERE is_returnee) AS returnees,
               count(*) FILTER (WHERE returnee_status = 'certified') AS certified
        FROM {R}.dim_person
        """,
        ("persons", "returnees", "certified"),
    ),
    "stats_by_returnee_status": Statistic(
        f"""
        SELECT returnee_status, any_value(returnee_status_label) AS returnee_status_label, count(*) AS persons
        FROM {R}.dim_person GROUP BY returnee_status ORDER BY persons DESC, returnee_status
        """,
        ("persons",),
    ),
    "stats_by_study_country": Statistic(
        f"""
        SELECT {_YEAR}, coalesce(p.study_country, '未知') AS study_country,
               coalesce(any_value(c.name_zh), '未知') AS study_country_name, count(*) AS returnees, {_SHARE},
               count(*) FILTER (WHERE p.highest_overseas_degree = '博士') AS doctorates,
               count(*) FILTER (WHERE p.years_since_return < 5) AS returned_last_5y
        FROM {_LIBRARY} p LEFT JOIN _countries c ON c.code = p.study_country
        GROUP BY p.study_country ORDER BY returnees DESC, study_country
        """,
        ("returnees", "doctorates", "returned_last_5y"),
        {"share_pct": "returnees"},
    ),
    "stats_by_degree": Statistic(
        f"""
        SELECT {_YEAR}, coalesce(highest_overseas_degree, '未知') AS highest_overseas_degree,
               count(*) AS returnees, {_SHARE}
        FROM {_LIBRARY} GROUP BY highest_overseas_degree ORDER BY returnees DESC, 2
        """,
        ("returnees",),
        {"share_pct": "returnees"},
    ),
    "stats_by_district": Statistic(
        f"""
        SELECT {_YEAR}, coalesce(district, employer_district, '未知') AS district, count(*) AS returnees, {_SHARE}
        FROM {_LIBRARY} GROUP BY ALL ORDER BY returnees DESC, district
        """,
        ("returnees",),
        {"share_pct": "returnees"},
    ),
    "stats_by_return_year": Statistic(
        f"""
        SELECT return_year, count(*) AS returnees,
               count(*) FILTER (WHERE highest_overseas_degree = '博士') AS doctorates,
               count(*) FILTER (WHERE highest_overseas_degree = '硕士') AS masters,
               count(*) FILTER (WHERE highest_overseas_degree = '学士') AS bachelors,
               count(*) FILTER (WHERE returnee_status = 'certified') AS certified
        FROM {_LIBRARY} WHERE return_year IS NOT NULL GROUP BY return_year ORDER BY return_year
        """,
        ("returnees", "doctorates", "masters", "bachelors", "certified"),
    ),
    "stats_by_employer_kind": Statistic(
        f"""
        SELECT {_YEAR}, coalesce(employer_kind, '未知') AS employer_kind, count(*) AS returnees, {_SHARE}
        FROM {_LIBRARY} GROUP BY ALL ORDER BY returnees DESC, employer_kind
        """,
        ("returnees",),
        {"share_pct": "returnees"},
    ),
    "stats_by_source": Statistic(
        f"""
        SELECT source, count(*) AS persons
        FROM (SELECT unnest(sources) AS source FROM {R}.dim_person) GROUP BY source ORDER BY persons DESC, source
        """,
        ("persons",),
    ),
    "stats_person_conflicts": Statistic(
        f"""
        SELECT attribute, conflict, any_value(description) AS description, count(DISTINCT person_id) AS persons
        FROM {R}.person_conflicts GROUP BY attribute, conflict ORDER BY persons DESC, attribute, conflict
        """,
        ("persons",),
    ),
    "stats_postings_by_category": Statistic(
        f"""
        SELECT coalesce(category, '未知') AS category, {_POSTING_COUNTS}
        FROM {_OPEN_POSTINGS} GROUP BY ALL ORDER BY open_postings DESC, category
        """,
        _POSTING_COUNT_COLUMNS,
    ),
    "stats_postings_by_district": Statistic(
        f"""
        SELECT CASE WHEN district_any THEN '全市' ELSE coalesce(district, '未知') END AS district, {_POSTING_COUNTS}
        FROM {_OPEN_POSTINGS} GROUP BY ALL ORDER BY open_postings DESC, district
        """,
        _POSTING_COUNT_COLUMNS,
    ),
    "stats_policy_push": Statistic(
        f"""
        SELECT p.policy_id, any_value(p.policy_name) AS policy_name,
               count(*) FILTER (WHERE p.status = 'eligible') AS eligible,
               count(*) FILTER (WHERE p.status = 'needs_evidence') AS needs_evidence,
               count(*) FILTER (WHERE p.status = 'not_eligible') AS not_eligible,
               count(*) AS persons
        FROM {R}.policy_push p GROUP BY p.policy_id ORDER BY p.policy_id
        """,
        ("eligible", "needs_evidence", "not_eligible", "persons"),
        lines=(RowLine("persons", ("eligible", "needs_evidence", "not_eligible")),),
    ),
}


# Statistics computed in polars (already suppressed): table → its count columns.
COMPUTED_STATISTICS: dict[str, tuple[str, ...]] = {
    "stats_yearly": ("returnees", "previous_returnees"),
    "stats_yearly_total": ("returnees", "previous_returnees"),
}


def _computed_statistics(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    cells, totals = yearly_statistics(respondents(con))
    return {"stats_yearly": cells, "stats_yearly_total": totals}


def analyst_path(published: Path) -> Path:
    """The published analyst file: `analyst.duckdb` beside the warehouse."""
    return published.with_name("analyst.duckdb")


def _statistic(con: duckdb.DuckDBPyConnection, statistic: Statistic) -> pl.DataFrame:
    frame = con.sql(statistic.sql).pl()
    return suppress_small_cells(frame, statistic.counts, statistic.lines, statistic.derived)


def build_analyst_file(con: duckdb.DuckDBPyConnection, target: Path, run_id: str, as_of: dt.date) -> dict[str, int]:
    """Write the analyst file at `target` (replacing it) from the restricted tables of `con`; return
    the row count of every object. The file stays attached to `con` as `analyst` for the checks."""
    detach_analyst_file(con)
    target.unlink(missing_ok=True)
    Path(f"{target}.wal").unlink(missing_ok=True)
    con.execute(f"ATTACH '{target}' AS {CATALOG}")
    con.register("_countries", country_names().to_arrow())
    try:
        counts: dict[str, int] = {}
        for name, select in TABLES.items():
            con.execute(f"CREATE TABLE {CATALOG}.main.{name} AS {select}")
        frames = {name: _statistic(con, statistic) for name, statistic in STATISTICS.items()}
        for name, frame in {**frames, **_computed_statistics(con)}.items():
            con.register("_stat", frame.to_arrow())
            con.execute(f"CREATE TABLE {CATALOG}.main.{name} AS SELECT * FROM _stat")
            con.unregister("_stat")
        con.execute(
            f"CREATE TABLE {CATALOG}.main.run_info AS SELECT ?::VARCHAR AS run_id, ?::DATE AS as_of, "
            "now()::TIMESTAMP AS built_at",
            [run_id, as_of],
        )
        for name in (*TABLES, *STATISTICS, *COMPUTED_STATISTICS, "run_info"):
            apply_comments(con, "main", name, catalog=CATALOG)
            counts[name] = con.execute(f"SELECT count(*) FROM {CATALOG}.main.{name}").fetchall()[0][0]
    finally:
        con.unregister("_countries")
    return counts


def attach_analyst_file(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """Attach a built analyst file as `analyst` (for the checks and exports of the same run)."""
    attached = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
    if CATALOG not in attached:
        con.execute(f"ATTACH '{path}' AS {CATALOG}")


def detach_analyst_file(con: duckdb.DuckDBPyConnection) -> None:
    """Detach the analyst file if attached (it must be closed before it is checkpointed and published)."""
    attached = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
    if CATALOG in attached:
        con.execute(f"DETACH {CATALOG}")
