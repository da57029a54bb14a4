"""`person_profile`: the digital profile of each person, the input of the policy rules.

One row per person: returnee status, highest overseas degree, study country and institution tier,
return and arrival in Chongqing, title, employer, insurance, founder, achievements and programme
history, plus a completeness score, source coverage and readable tags. Durations are counted to
the run's reference date (the newest current delivery), so a rerun gives the same profile.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from warehouse.serve.context import RESTRICTED, priority_sql, reference_date
from warehouse.serve.facts.platform import NATIONAL_RETURNEE_PROGRAMMES
from warehouse.serve.normalise import country_names
from warehouse.store.db import scalar

DEGREE_RANK_SQL = "CASE degree WHEN '博士' THEN 3 WHEN '硕士' THEN 2 WHEN '学士' THEN 1 WHEN '无' THEN 0 END"
TIER_RANK_SQL = "CASE institution_tier WHEN 'top50' THEN 1 WHEN 'top100' THEN 2 WHEN 'top200' THEN 3 ELSE 4 END"
# Employer kinds whose staff are no civil servants (机关 staff are; a 事业单位 may be managed as one).
ENTERPRISE_KINDS = ("国有企业", "民营企业", "外资企业", "自主创业", "企业")
# Employees' schemes a person keeps the years of (企业职工 / 机关事业单位 pension, employees' medical insurance).
EMPLOYEE_SCHEMES = ("企业职工基本养老保险", "机关事业单位养老保险", "职工基本医疗保险")
AWARD_LEVELS = ("国际", "国家级", "省部级", "市级")  # 市级及以上成果奖励
COMPLETENESS_FIELDS = (
    "d.name",
    "d.sex",
    "d.birth_date",
    "coalesce(d.id_number, d.passport_no)",
    "d.mobile",
    "d.email",
    "d.district",
    "e.study_country",
    "e.institution_id",
    "e.highest_overseas_degree",
    "e.return_date",
    "d.employer_name",
)


def _education() -> str:
    """Per person: highest overseas degree, the main study abroad and the return date."""
    return f"""
        edu_rows AS (
            SELECT *, {DEGREE_RANK_SQL} AS degree_rank, {TIER_RANK_SQL} AS tier_rank,
                   {priority_sql("source")} AS source_rank
            FROM {RESTRICTED}.fact_education
        ),
        edu AS (
            SELECT person_id,
                   max(degree_rank) FILTER (WHERE degree_is_overseas) AS overseas_degree_rank,
                   max(degree_rank) AS any_degree_rank,
                   arg_min({{'study_country': study_country, 'institution_id': institution_id,
                             'institution_name': institution_name, 'institution_tier': institution_tier}},
                           (CASE WHEN degree_is_overseas THEN 0 ELSE 1 END, -coalesce(degree_rank, -1), tier_rank,
                            source_rank, record_uid)) AS main,
                   max(return_date) AS declared_return,
                   max(graduated_on) FILTER (WHERE degree_is_overseas) AS overseas_graduation,
                   min(departure_date) AS declared_departure,
                   bool_or(degree_cert_no IS NOT NULL) AS has_degree_cert
            FROM edu_rows GROUP BY person_id
        ),
        fx AS (
            SELECT person_id, min(first_study_payment) AS fx_first_payment, max(last_study_payment) AS fx_last_payment,
                   min(first_service_date) AS fx_first_service
            FROM {RESTRICTED}.fact_fx_study GROUP BY person_id
        ),
        e AS (
            SELECT d.person_id, edu.overseas_degree_rank, edu.any_degree_rank,
                   CASE edu.overseas_degree_rank WHEN 3 THEN '博士' WHEN 2 THEN '硕士' WHEN 1 THEN '学士'
                        WHEN 0 THEN '无' END AS highest_overseas_degree,
                   edu.main.study_country AS study_country, edu.main.institution_id AS institution_id,
                   edu.main.institution_name AS institution_name, edu.main.institution_tier AS institution_tier,
                   coalesce(edu.declared_return, edu.overseas_graduation, fx.fx_last_payment) AS return_date,
                   CASE WHEN edu.declared_return IS NOT NULL THEN '回国时间填报'
                        WHEN edu.overseas_graduation IS NOT NULL THEN '海外毕业时间'
                        WHEN fx.fx_last_payment IS NOT NULL THEN '外汇留学缴费止期' END AS return_date_basis,
                   coalesce(edu.declared_departure, fx.fx_first_payment, fx.fx_first_service) AS departure_date,
                   coalesce(edu.has_degree_cert, false) AS has_degree_cert
            FROM {RESTRICTED}.dim_person d LEFT JOIN edu USING (person_id) LEFT JOIN fx USING (person_id)
        )
    """


def _work() -> str:
    """Per person: verified employment, first work in Chongqing after return, insurance, title, founder."""
    return f"""
        jobs AS (
            SELECT j.person_id,
                   bool_or(j.is_current AND j.verified) AS has_verified_employment,
                   min(j.start_date) FILTER (WHERE j.verified AND j.start_date >= e.return_date) AS first_cq_job,
                   arg_max(j.status, j.as_of_date) FILTER (WHERE j.source = 'survey') AS survey_status,
                   bool_or(j.source = 'survey' AND j.employer_kind = '自主创业') AS declared_founder,
                   bool_or(j.is_current AND j.source <> 'survey') AS employed_elsewhere
            FROM {RESTRICTED}.fact_employment j JOIN e USING (person_id) GROUP BY j.person_id
        ),
        si AS (
            SELECT i.person_id, bool_or(i.is_active) AS insured, min(i.first_enrolled_on) AS first_insured_on,
                   min(i.first_enrolled_on) FILTER (WHERE i.first_enrolled_on >= e.return_date)
                       AS first_si_after_return,
                   bool_or(i.is_active AND i.employer_uscc IS NULL AND i.employer_name IS NULL) AS resident_scheme_only
            FROM {RESTRICTED}.fact_insurance i JOIN e USING (person_id) GROUP BY i.person_id
        ),
        company AS (
            SELECT employer_uscc, count(DISTINCT person_id) FILTER (WHERE is_active)::INTEGER AS insured_persons,
                   min(enrolled_on) AS si_since, bool_or(is_active) AS pays_si
            FROM {RESTRICTED}.fact_insurance WHERE employer_uscc IS NOT NULL GROUP BY employer_uscc
        ),
        pre_si AS (
            SELECT i.person_id, true AS contributed_before_departure
            FROM {RESTRICTED}.fact_insurance i JOIN e USING (person_id)
            WHERE i.insurance_type IN ({", ".join(f"'{s}'" for s in EMPLOYEE_SCHEMES)})
              AND i.first_enrolled_on < e.departure_date
            GROUP BY i.person_id
        ),
        title AS (
            SELECT person_id, arg_max({{'title_level': title_level, 'title_name': title_name,
                                        'title_month': title_month, 'title_rank': title_rank}},
                                      (coalesce(title_rank, -1), record_uid)) AS t
            FROM {RESTRICTED}.fact_title GROUP BY person_id
        )
    """


def _platform() -> str:
    """Per person: achievements by kind and level, applications and grants of the programme, awards since."""
    national = " OR ".join(f"programme LIKE '%{p}%'" for p in NATIONAL_RETURNEE_PROGRAMMES)
    return f"""
        ach_kind AS (
            SELECT person_id, kind, count(*)::INTEGER AS n FROM {RESTRICTED}.fact_achievement
            WHERE person_id IS NOT NULL AND kind IS NOT NULL GROUP BY ALL
        ),
        ach_level AS (
            SELECT person_id, level, count(*)::INTEGER AS n FROM {RESTRICTED}.fact_achievement
            WHERE person_id IS NOT NULL AND level IS NOT NULL GROUP BY ALL
        ),
        kind_map AS (
            SELECT person_id, map_from_entries(list({{'key': kind, 'value': n}} ORDER BY kind)) AS m
            FROM ach_kind GROUP BY person_id
        ),
        level_map AS (
            SELECT person_id, map_from_entries(list({{'key': level, 'value': n}} ORDER BY level)) AS m
            FROM ach_level GROUP BY person_id
        ),
        ach AS (
            SELECT a.person_id, count(*)::INTEGER AS achievements_total,
                   count(*) FILTER (WHERE a.level IN ('国际', '国家级'))::INTEGER AS high_level_achievements,
                   count(*) FILTER (WHERE a.kind = '专利')::INTEGER AS patents,
                   any_value(k.m) AS achievements_by_kind, any_value(l.m) AS achievements_by_level
            FROM {RESTRICTED}.fact_achievement a
            LEFT JOIN kind_map k USING (person_id) LEFT JOIN level_map l USING (person_id)
            WHERE a.person_id IS NOT NULL GROUP BY a.person_id
        ),
        apps AS (
            SELECT person_id, count(*)::INTEGER AS applications_total,
                   count(*) FILTER (WHERE is_liuchuang AND is_funded)::INTEGER AS liuchuang_grants,
                   max(year) FILTER (WHERE is_liuchuang AND is_funded) AS liuchuang_last_grant_year,
                   bool_or(is_funded AND ({national})) AS national_programme_funded,
                   round(sum(grant_10k_cny) FILTER (WHERE is_funded), 2) AS grants_10k_cny_total,
                   bool_or(category = '创业类') AS venture_applicant,
                   list(concat_ws(' ', year::VARCHAR, programme, category, status,
                                  CASE WHEN is_funded AND grant_10k_cny IS NOT NULL
                                       THEN '（' || grant_10k_cny::VARCHAR || '万元）' END)
                        ORDER BY year, application_id) AS programme_history
            FROM {RESTRICTED}.fact_application WHERE person_id IS NOT NULL GROUP BY person_id
        ),
        awards AS (
            SELECT a.person_id, true AS award_since_grant
            FROM {RESTRICTED}.fact_achievement a JOIN apps USING (person_id)
            WHERE a.kind = '获奖' AND a.level IN ({", ".join(f"'{v}'" for v in AWARD_LEVELS)})
              AND year(a.achieved_on) > apps.liuchuang_last_grant_year
            GROUP BY a.person_id
        )
    """


def _tags() -> str:
    """Readable tags (Chinese) for the profile row `p`."""
    items = [
        "CASE WHEN p.highest_overseas_degree IN ('博士', '硕士', '学士') THEN '海外' || p.highest_overseas_degree END",
        "CASE WHEN p.study_country_name IS NOT NULL THEN '留学' || p.study_country_name END",
        "CASE p.institution_tier WHEN 'top50' THEN '世界前50院校' WHEN 'top100' THEN '世界前100院校'"
        " WHEN 'top200' THEN '世界前200院校' END",
        "CASE WHEN p.years_since_return IS NOT NULL THEN '回国' || p.years_since_return::VARCHAR || '年' END",
        "CASE WHEN p.title_rank >= 1 THEN p.title_level || '职称' END",
        "CASE WHEN p.employer_kind IS NOT NULL THEN p.employer_kind END",
        "CASE WHEN p.insured THEN '在渝参保' WHEN NOT p.insured THEN '未参保缴费' END",
        "CASE WHEN p.is_founder THEN '创业者' END",
        "CASE WHEN p.high_level_achievements > 0"
        " THEN '国家级及以上成果' || p.high_level_achievements::VARCHAR || '项' END",
        "CASE WHEN p.patents > 0 THEN '专利' || p.patents::VARCHAR || '项' END",
        "CASE WHEN p.liuchuang_grants > 0 THEN '留创计划资助' || p.liuchuang_grants::VARCHAR || '次' END",
    ]
    return f"list_filter([{', '.join(items)}], lambda x: x IS NOT NULL)"


def profile_sql(as_of: dt.date) -> str:
    """The query building `person_profile` as of `as_of`."""
    day = f"DATE '{as_of.isoformat()}'"
    present = " + ".join(f"({f} IS NOT NULL)::INTEGER" for f in COMPLETENESS_FIELDS)
    return f"""
        WITH {_education()}, {_work()}, {_platform()},
        base AS (
            SELECT d.person_id, {day} AS as_of_date, d.is_returnee, d.returnee_status, d.returnee_status_label,
                   e.has_degree_cert, d.sex, date_sub('year', d.birth_date, {day})::INTEGER AS age,
                   e.highest_overseas_degree, e.overseas_degree_rank,
                   coalesce(e.any_degree_rank = 3, false) AS has_doctorate,
                   CASE WHEN e.any_degree_rank < 3 THEN false END AS overseas_postdoc,
                   e.study_country, c.name_zh AS study_country_name, e.institution_id, e.institution_name,
                   e.institution_tier, e.departure_date, e.return_date, e.return_date_basis,
                   year(e.return_date)::INTEGER AS return_year,
                   date_sub('year', e.return_date, {day})::INTEGER AS years_since_return,
                   coalesce(least(jobs.first_cq_job, si.first_si_after_return), e.return_date) AS arrived_cq_on,
                   title.t.title_level AS title_level, title.t.title_rank AS title_rank,
                   title.t.title_name AS title_name, title.t.title_month AS title_month,
                   coalesce(title.t.title_rank, 0) >= 1 AS has_title,
                   d.employer_name, d.employer_uscc, d.employer_district,
                   coalesce(jobs.declared_founder, false) OR coalesce(apps.venture_applicant, false)
                       AS founder_evidence,
                   d.employer_kind AS employer_kind_recorded,
                   coalesce(d.employer_in_cq, CASE WHEN d.employer_name IS NOT NULL AND d.district IS NOT NULL
                                                   THEN true END) AS employer_in_cq,
                   coalesce(jobs.has_verified_employment, false) AS has_verified_employment,
                   CASE WHEN d.employer_name IS NOT NULL THEN true
                        WHEN jobs.survey_status = '待业' OR si.resident_scheme_only THEN false END AS is_employed,
                   coalesce(si.insured, false) AS insured, si.person_id IS NOT NULL AS si_ever_enrolled,
                   si.first_insured_on, d.district,
                   coalesce(ach.achievements_total, 0) AS achievements_total,
                   coalesce(ach.high_level_achievements, 0) AS high_level_achievements,
                   coalesce(ach.patents, 0) AS patents,
                   coalesce(ach.achievements_by_kind, MAP {{}}::MAP(VARCHAR, INTEGER)) AS achievements_by_kind,
                   coalesce(ach.achievements_by_level, MAP {{}}::MAP(VARCHAR, INTEGER)) AS achievements_by_level,
                   coalesce(apps.applications_total, 0) AS applications_total,
                   coalesce(apps.liuchuang_grants, 0) AS liuchuang_grants,
                   coalesce(apps.grants_10k_cny_total, 0) AS grants_10k_cny_total,
                   apps.liuchuang_last_grant_year, awards.award_since_grant,
                   coalesce(apps.national_programme_funded, false) AS national_programme_funded,
                   company.insured_persons AS employer_insured_persons, company.si_since AS employer_si_since,
                   company.pays_si AS employer_pays_si,
                   pre_si.contributed_before_departure AS pre_departure_contributions,
                   coalesce(apps.programme_history, []::VARCHAR[]) AS programme_history,
                   round(100.0 * ({present}) / {len(COMPLETENESS_FIELDS)})::INTEGER AS completeness,
                   d.sources AS source_coverage, len(d.sources)::INTEGER AS source_count
            FROM {RESTRICTED}.dim_person d
            JOIN e USING (person_id)
            LEFT JOIN jobs USING (person_id) LEFT JOIN si USING (person_id) LEFT JOIN title USING (person_id)
            LEFT JOIN ach USING (person_id) LEFT JOIN apps USING (person_id) LEFT JOIN awards USING (person_id)
            LEFT JOIN pre_si USING (person_id) LEFT JOIN company ON company.employer_uscc = d.employer_uscc
            LEFT JOIN _countries c ON c.code = e.study_country
        ),
        p AS (
            SELECT * EXCLUDE (founder_evidence, employer_kind_recorded),
                   date_sub('year', arrived_cq_on, as_of_date)::INTEGER AS years_in_cq,
                   date_sub('year', employer_si_since, as_of_date)::INTEGER AS employer_si_years,
                   CASE WHEN employer_kind_recorded = '机关' THEN false
                        WHEN employer_kind_recorded IN ({", ".join(f"'{k}'" for k in ENTERPRISE_KINDS)})
                             OR founder_evidence THEN true END AS outside_civil_service,
                   CASE WHEN founder_evidence THEN true
                        WHEN employer_kind_recorded IS NOT NULL AND employer_kind_recorded NOT IN ('企业', '其他')
                             THEN false
                        WHEN is_employed = false THEN false END AS is_founder,
                   CASE WHEN founder_evidence AND employer_kind_recorded IN ('民营企业', '企业') THEN '自主创业'
                        ELSE employer_kind_recorded END AS employer_kind,
                   CASE WHEN returnee_status IN ('certified', 'corroborated') THEN true
                        WHEN returnee_status = 'none' THEN false END AS returnee_verified,
                   CASE WHEN has_verified_employment THEN true WHEN is_employed = false THEN false
                        END AS cq_employment_verified,
                   CASE WHEN insured OR has_verified_employment THEN true END AS full_time_in_cq,
                   CASE WHEN employer_in_cq OR district IS NOT NULL THEN true END AS in_chongqing
            FROM base
        )
        SELECT *, {_tags()} AS tags FROM p ORDER BY person_id
    """


def build_person_profile(con: duckdb.DuckDBPyConnection) -> int:
    """Write `restricted.person_profile` (needs `dim_person` and the facts); return its rows."""
    con.register("_countries", country_names().to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {RESTRICTED}.person_profile AS {profile_sql(reference_date(con))}")
    finally:
        con.unregister("_countries")
    return int(scalar(con, f"SELECT count(*) FROM {RESTRICTED}.person_profile"))
