"""Returnee status from evidence: who studied abroad, according to which sources and documents.

Evidence (`returnee_evidence`, one row per assertion): degree certificates of the ministry's
study-abroad service centre, the survey, the platform/HR/SOE flags, archive entries and FX
study-abroad services; a source flag saying "never studied abroad" is kept as counter-evidence.
Status (`returnee_status`, one row per person):

- `certified` 已认证: a degree certificate number is on file;
- `corroborated` 多源佐证: at least two sources assert study abroad;
- `declared` 单源声明: exactly one source does;
- `none` 无留学证据: no source does.

The talent library is every person whose status is not `none`.
"""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.serve import normalise as nz
from warehouse.serve.context import RESTRICTED
from warehouse.serve.facts.frames import person_rows
from warehouse.store.db import scalar

STATUS_LABELS = {
    "certified": "已认证",
    "corroborated": "多源佐证",
    "declared": "单源声明",
    "none": "无留学证据",
}
EVIDENCE_LABELS = {
    "survey": ("survey_declaration", "统计调查填报留学经历"),
    "prof_tech": ("platform_flag", "专业技术平台登记留学经历"),
    "pi_hr": ("hr_flag", "事业单位人事系统登记海外留学"),
    "soe_staff": ("soe_flag", "国企员工系统登记海外学历"),
    "archives": ("archive_record", "人才档案记载留学经历"),
}
FLAG_FIELDS = {"prof_tech": "studied_abroad", "pi_hr": "studied_abroad", "soe_staff": "studied_abroad"}


def _denials(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Records whose source flag says the person did not study abroad."""
    parts = []
    for source, field in FLAG_FIELDS.items():
        rows = person_rows(con, source, [], {"flag_raw": field})
        parts.append(
            rows.filter(nz.parse_flag(rows["flag_raw"]).eq(False).fill_null(False)).select(
                "person_id", "record_uid", "source"
            )
        )
    return pl.concat(parts)


def build_returnee_evidence(con: duckdb.DuckDBPyConnection) -> int:
    """Write `restricted.returnee_evidence` from the education and FX facts and the source flags."""
    kinds = pl.DataFrame(
        {
            "source": list(EVIDENCE_LABELS),
            "evidence_kind": [k for k, _ in EVIDENCE_LABELS.values()],
            "evidence": [label for _, label in EVIDENCE_LABELS.values()],
        }
    )
    con.register("_kinds", kinds.to_arrow())
    con.register("_denials", _denials(con).to_arrow())
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TABLE {RESTRICTED}.returnee_evidence AS
            SELECT person_id, record_uid, source, 'degree_certificate' AS evidence_kind,
                   '教育部留学服务中心学历学位认证书' AS evidence, true AS asserts_study_abroad,
                   study_country, return_date AS event_date, degree_cert_no,
                   '认证书编号 ' || degree_cert_no AS detail
            FROM {RESTRICTED}.fact_education WHERE degree_cert_no IS NOT NULL
            UNION ALL
            SELECT e.person_id, e.record_uid, e.source, k.evidence_kind, k.evidence, true,
                   e.study_country, e.return_date, NULL,
                   concat_ws('；', '国家/地区 ' || e.study_country, '院校 ' || e.institution_name,
                             '学位 ' || e.degree, '回国 ' || strftime(e.return_date, '%Y-%m'))
            FROM {RESTRICTED}.fact_education e JOIN _kinds k USING (source)
            UNION ALL
            SELECT person_id, record_uids[1], 'fx_accounts', 'fx_study', '外汇留学业务记录', true,
                   study_country, last_service_date, NULL,
                   concat_ws('；', '国家/地区 ' || study_country,
                             strftime(first_service_date, '%Y-%m-%d') || ' 至 '
                                 || strftime(last_service_date, '%Y-%m-%d'),
                             '业务 ' || transactions || ' 笔，其中留学汇款/贷款 ' || study_payments || ' 笔')
            FROM {RESTRICTED}.fact_fx_study
            UNION ALL
            SELECT person_id, record_uid, source, 'declared_no_study', '来源登记为未留学', false,
                   NULL, NULL, NULL, '是否留学：否'
            FROM _denials
            ORDER BY person_id, source, record_uid, evidence_kind
            """
        )
    finally:
        con.unregister("_kinds")
        con.unregister("_denials")
    return int(scalar(con, f"SELECT count(*) FROM {RESTRICTED}.returnee_evidence"))


def build_returnee_status(con: duckdb.DuckDBPyConnection) -> int:
    """Write `restricted.returnee_status` (every person, including those without evidence)."""
    labels = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in STATUS_LABELS.items())
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {RESTRICTED}.returnee_status AS
        WITH persons AS (SELECT DISTINCT person_id FROM person_registry),
        summary AS (
            SELECT person_id,
                   bool_or(evidence_kind = 'degree_certificate') AS has_degree_cert,
                   list_sort(list_distinct(list(source) FILTER (WHERE asserts_study_abroad))) AS asserting_sources,
                   list_sort(list_distinct(list(source) FILTER (WHERE NOT asserts_study_abroad))) AS denying_sources,
                   count(*) FILTER (WHERE asserts_study_abroad)::INTEGER AS evidence_count
            FROM {RESTRICTED}.returnee_evidence GROUP BY person_id
        ),
        status AS (
            SELECT p.person_id, coalesce(s.has_degree_cert, false) AS has_degree_cert,
                   coalesce(s.asserting_sources, []::VARCHAR[]) AS asserting_sources,
                   coalesce(s.denying_sources, []::VARCHAR[]) AS denying_sources,
                   coalesce(s.evidence_count, 0) AS evidence_count,
                   CASE WHEN s.has_degree_cert THEN 'certified'
                        WHEN len(s.asserting_sources) >= 2 THEN 'corroborated'
                        WHEN len(s.asserting_sources) = 1 THEN 'declared'
                        ELSE 'none' END AS returnee_status
            FROM persons p LEFT JOIN summary s USING (person_id)
        )
        SELECT person_id, returnee_status, CASE returnee_status {labels} END AS returnee_status_label,
               returnee_status <> 'none' AS is_returnee, has_degree_cert, asserting_sources, denying_sources,
               evidence_count
        FROM status ORDER BY person_id
        """
    )
    return int(scalar(con, f"SELECT count(*) FROM {RESTRICTED}.returnee_status WHERE is_returnee"))
