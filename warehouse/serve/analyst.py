"""Schema `analyst`: what analysts query — personal data masked, every table and column commented.

ID numbers appear only as first 6 + `********` + last 4, mobiles as first 3 + `****` + last 4,
names as surname + `*`; no e-mail, passport, raw field, record key or address reaches this
schema. The unmasked tables stay in schema `restricted`. Tables holding no personal data pass
through as views; the statistics are views over the profile.
"""

from __future__ import annotations

import duckdb

from warehouse.serve.context import ANALYST, RESTRICTED, ensure_schemas
from warehouse.serve.dictionary import apply_comments
from warehouse.serve.normalise import country_names
from warehouse.store.db import scalar

R = RESTRICTED


def mask_id(column: str) -> str:
    """SQL: an 18-character ID number as first 6 + `********` + last 4."""
    return f"CASE WHEN {column} IS NOT NULL THEN left({column}, 6) || '********' || right({column}, 4) END"


def mask_mobile(column: str) -> str:
    """SQL: an 11-digit mobile as first 3 + `****` + last 4."""
    return f"CASE WHEN {column} IS NOT NULL THEN left({column}, 3) || '****' || right({column}, 4) END"


def mask_name(column: str) -> str:
    """SQL: a name as its first character followed by one `*` per further character."""
    return f"CASE WHEN {column} IS NOT NULL THEN left({column}, 1) || repeat('*', length({column}) - 1) END"


def mask_tail(column: str, keep_until: int = 5) -> str:
    """SQL: a code with its last `keep_until` characters replaced by `*`."""
    return (
        f"CASE WHEN length({column}) > {keep_until} "
        f"THEN left({column}, length({column}) - {keep_until}) || repeat('*', {keep_until}) END"
    )


# Masked copies of the restricted tables (materialised: the masking is computed once).
TABLES: dict[str, str] = {
    "person": f"""
        SELECT person_id, {mask_name("name")} AS name_masked, sex, year(birth_date)::INTEGER AS birth_year,
               {mask_id("id_number")} AS id_number_masked, passport_no IS NOT NULL AS has_passport,
               {mask_mobile("mobile")} AS mobile_masked, email IS NOT NULL AS has_email, district,
               employer_name, employer_uscc, employer_kind, employer_district, employer_verified,
               returnee_status, returnee_status_label, is_returnee, record_count, sources,
               name_source, sex_source, birth_date_source, id_number_source, mobile_source, district_source,
               employer_source
        FROM {R}.dim_person
    """,
    "returnee_evidence": f"""
        SELECT * REPLACE (CASE WHEN evidence_kind = 'degree_certificate'
                               THEN '认证书编号 ' || degree_cert_masked ELSE detail END AS detail)
        FROM (SELECT person_id, source, evidence_kind, evidence, asserts_study_abroad, study_country, event_date,
                     {mask_tail("degree_cert_no")} AS degree_cert_masked, detail
              FROM {R}.returnee_evidence)
    """,
    "person_conflicts": f"""
        SELECT person_id, attribute, conflict, description, value_count,
               list_sort(list_distinct(flatten(list_transform("values", lambda v: v.sources)))) AS sources
        FROM {R}.person_conflicts
    """,
    "fact_education": f"""
        SELECT e.person_id, e.source, e.study_country, c.name_zh AS study_country_name, e.institution_id,
               e.institution_name, e.institution_tier, e.degree, e.degree_is_overseas, e.education_level, e.major,
               e.departure_date, e.return_date, e.graduated_on, e.study_months,
               e.degree_cert_no IS NOT NULL AS has_degree_cert
        FROM {R}.fact_education e LEFT JOIN _countries c ON c.code = e.study_country
        ORDER BY e.person_id, e.source, e.return_date
    """,
    "fact_employment": f"""
        SELECT person_id, source, basis, verified, employer_uscc, employer_name, employer_kind, employer_district,
               employer_in_cq, start_date, end_date, status, is_current, as_of_date, post, record_count
        FROM {R}.fact_employment
    """,
    "fact_insurance": f"""
        SELECT person_id, insurance_type, enrolment_status, is_active, employer_uscc, employer_name,
               first_enrolled_on, enrolled_on, contribution_base, last_paid_month
        FROM {R}.fact_insurance
    """,
    "fact_archive": f"""
        SELECT person_id, custodian, archived_on, archive_status, in_custody, transferred_to
        FROM {R}.fact_archive
    """,
    "fact_fx_study": f"""
        SELECT f.person_id, f.study_country, c.name_zh AS study_country_name, f.first_service_date,
               f.last_service_date, f.first_study_payment, f.last_study_payment, f.transactions, f.study_payments,
               f.total_usd, f.service_kinds, f.institution_ids, f.institution_name,
               year(f.first_service_date)::INTEGER AS first_service_year
        FROM {R}.fact_fx_study f LEFT JOIN _countries c ON c.code = f.study_country
        ORDER BY f.person_id, f.study_country
    """,
    "fact_title": f"""
        SELECT person_id, title_name, title_level, title_rank, title_month FROM {R}.fact_title
    """,
    "fact_achievement": f"""
        SELECT achievement_id, person_id, kind, title, level, achieved_on, author_rank, is_first_author
        FROM {R}.fact_achievement
    """,
    "job_posting": f"""
        SELECT j.posting_id, j.employer_name, j.employer_uscc, j.employer_kind, j.title, j.category, j.posting_kind,
               j.majors_text, j.major_codes, j.major_any, j.min_education_rank, j.min_degree_rank, j.min_title_rank,
               j.overseas_requirement, j.preferred_countries, j.max_age, j.district, j.district_any, j.salary_min,
               j.salary_max, j.openings, j.posted_on, j.closes_on, j.same_as, j.status, j.status_label,
               j.delivery_date, count(m.person_id) AS candidates
        FROM {R}.job_posting j LEFT JOIN main.job_match m USING (posting_id)
        GROUP BY ALL ORDER BY j.posting_id
    """,
    "fact_application": f"""
        SELECT application_id, person_id, programme, is_liuchuang, category, year, project_title, status, is_funded,
               grant_10k_cny
        FROM {R}.fact_application
    """,
}

_LIBRARY = f"(SELECT * FROM {ANALYST}.person_profile WHERE is_returnee)"
_SHARE = "round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS share_pct"
_YEAR = "year(any_value(as_of_date))::INTEGER AS stat_year"
_OPEN_POSTINGS = f"(SELECT * FROM {ANALYST}.job_posting WHERE status = 'open')"
_POSTING_COUNTS = (
    "count(*) AS open_postings, coalesce(sum(openings), 0) AS openings_total, "
    "count(*) FILTER (WHERE candidates > 0) AS postings_with_candidates, "
    "count(*) FILTER (WHERE candidates = 0) AS unmet_postings, sum(candidates) AS candidates_listed"
)
VIEWS: dict[str, str] = {
    # Tables that hold no personal data pass through unchanged (views, so nothing is copied).
    "person_profile": f"SELECT * FROM {R}.person_profile",
    "dim_employer": f"SELECT * FROM {R}.dim_employer",
    "dim_policy": f"SELECT * FROM {R}.dim_policy",
    "dim_policy_condition": f"SELECT * FROM {R}.dim_policy_condition",
    "policy_push": f"SELECT * FROM {R}.policy_push",
    "talent_library": f"""
        SELECT p.*, s.name_masked, s.id_number_masked, s.mobile_masked
        FROM {ANALYST}.person_profile p JOIN {ANALYST}.person s USING (person_id) WHERE p.is_returnee
    """,
    "stats_by_study_country": f"""
        SELECT {_YEAR}, coalesce(study_country, '未知') AS study_country,
               coalesce(any_value(study_country_name), '未知') AS study_country_name, count(*) AS returnees, {_SHARE},
               count(*) FILTER (WHERE highest_overseas_degree = '博士') AS doctorates,
               count(*) FILTER (WHERE years_since_return < 5) AS returned_last_5y
        FROM {_LIBRARY} GROUP BY study_country ORDER BY returnees DESC, study_country
    """,
    "stats_by_degree": f"""
        SELECT {_YEAR}, coalesce(highest_overseas_degree, '未知') AS highest_overseas_degree, count(*) AS returnees,
               {_SHARE}
        FROM {_LIBRARY} GROUP BY highest_overseas_degree ORDER BY returnees DESC
    """,
    "stats_by_district": f"""
        SELECT {_YEAR}, coalesce(district, employer_district, '未知') AS district, count(*) AS returnees, {_SHARE}
        FROM {_LIBRARY} GROUP BY ALL ORDER BY returnees DESC, district
    """,
    "stats_by_return_year": f"""
        SELECT return_year, count(*) AS returnees,
               count(*) FILTER (WHERE highest_overseas_degree = '博士') AS doctorates,
               count(*) FILTER (WHERE highest_overseas_degree = '硕士') AS masters,
               count(*) FILTER (WHERE highest_overseas_degree = '学士') AS bachelors,
               count(*) FILTER (WHERE returnee_status = 'certified') AS certified
        FROM {_LIBRARY} WHERE return_year IS NOT NULL GROUP BY return_year ORDER BY return_year
    """,
    "stats_by_employer_kind": f"""
        SELECT {_YEAR}, coalesce(employer_kind, '未知') AS employer_kind, count(*) AS returnees, {_SHARE}
        FROM {_LIBRARY} GROUP BY ALL ORDER BY returnees DESC
    """,
    "job_match": "SELECT posting_id, person_id, rank_for_posting, score, reasons FROM main.job_match",
    "stats_postings_by_category": f"""
        SELECT coalesce(category, '未知') AS category, {_POSTING_COUNTS}
        FROM {_OPEN_POSTINGS} GROUP BY ALL ORDER BY open_postings DESC, category
    """,
    "stats_postings_by_district": f"""
        SELECT CASE WHEN district_any THEN '全市' ELSE coalesce(district, '未知') END AS district, {_POSTING_COUNTS}
        FROM {_OPEN_POSTINGS} GROUP BY ALL ORDER BY open_postings DESC, district
    """,
    "postings_unmet": f"""
        SELECT posting_id, employer_name, employer_kind, title, category, posting_kind, majors_text,
               min_education_rank, min_degree_rank, min_title_rank, overseas_requirement, max_age, district, posted_on,
               closes_on
        FROM {_OPEN_POSTINGS} WHERE candidates = 0 ORDER BY posting_id
    """,
    "stats_policy_push": f"""
        SELECT policy_id, any_value(policy_name) AS policy_name, status, any_value(status_label) AS status_label,
               count(*) AS persons
        FROM {ANALYST}.policy_push GROUP BY policy_id, status ORDER BY policy_id, status
    """,
}


def build_analyst_schema(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """(Re)create every analyst table and view with their comments, and comment the restricted
    tables, in one transaction; return the row counts of the analyst tables."""
    con.register("_countries", country_names().to_arrow())
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DROP SCHEMA IF EXISTS {ANALYST} CASCADE")  # rebuilt whole: objects may change kind
        ensure_schemas(con)
        for name, select in TABLES.items():
            con.execute(f"CREATE TABLE {ANALYST}.{name} AS {select}")
        for name, select in VIEWS.items():
            con.execute(f"CREATE VIEW {ANALYST}.{name} AS {select}")
        for name in (*TABLES, *VIEWS):
            apply_comments(con, ANALYST, name)
        restricted = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = ? ORDER BY table_name", [RESTRICTED]
        ).fetchall()
        for (name,) in restricted:
            apply_comments(con, RESTRICTED, name)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_countries")
    return {name: scalar(con, f"SELECT count(*) FROM {ANALYST}.{name}") for name in TABLES}
