"""`person_conflicts`: per person and attribute, the values the sources disagree on, for stewards.

One row per person × conflict, with every disagreeing value, the sources and records holding it,
and the golden value chosen. Kinds (`conflict`):

- `two_valid_ids`: more than one valid citizen ID among the person's records;
- `name_variants`: more than one complete Chinese name;
- `sex_mismatch` / `birth_date_mismatch`: sources disagree;
- `sex_vs_id` / `birth_date_vs_id`: a record contradicts the golden citizen ID's sex or birth date;
- `studied_abroad`: one source says the person studied abroad, another says not.
"""

from __future__ import annotations

import duckdb

from warehouse.serve.context import RESTRICTED
from warehouse.store.db import scalar

DESCRIPTIONS = {
    "two_valid_ids": "同一人员有多个有效身份证号",
    "name_variants": "各来源姓名写法不一致",
    "sex_mismatch": "各来源性别不一致",
    "birth_date_mismatch": "各来源出生日期不一致",
    "sex_vs_id": "性别与身份证号不符",
    "birth_date_vs_id": "出生日期与身份证号不符",
    "studied_abroad": "留学经历说法不一",
}
ID_SOURCE = "身份证号"  # the pseudo-source of a value read off the golden citizen ID

_OBSERVATIONS = f"""
    pr AS (
        SELECT p.person_id, r.record_uid, r.source, r.name, r.name_has_unknown_char, r.name_is_latin, r.sex,
               r.birth_date, r.birth_precision, r.id_number
        FROM records r JOIN person_registry p USING (record_uid)
    ),
    golden AS (SELECT person_id, id_birth_date, id_sex, id_number_record_uid FROM {RESTRICTED}.dim_person),
    observed AS (
        SELECT person_id, 'id_number' AS attribute, 'two_valid_ids' AS conflict, id_number AS value,
               source, record_uid, false AS reference
        FROM pr WHERE id_number IS NOT NULL
        UNION ALL
        SELECT person_id, 'name', 'name_variants', name, source, record_uid, false
        FROM pr WHERE name IS NOT NULL AND NOT name_has_unknown_char AND NOT name_is_latin
        UNION ALL
        SELECT person_id, 'sex', 'sex_mismatch', sex, source, record_uid, false FROM pr WHERE sex IS NOT NULL
        UNION ALL
        SELECT person_id, 'birth_date', 'birth_date_mismatch', strftime(birth_date, '%Y-%m-%d'), source, record_uid,
               false
        FROM pr WHERE birth_precision = 'day'
        UNION ALL
        SELECT pr.person_id, 'sex', 'sex_vs_id', pr.sex, pr.source, pr.record_uid, false
        FROM pr JOIN golden g USING (person_id) WHERE pr.sex <> g.id_sex
        UNION ALL
        SELECT person_id, 'sex', 'sex_vs_id', id_sex, '{ID_SOURCE}', id_number_record_uid, true
        FROM golden WHERE id_sex IS NOT NULL
        UNION ALL
        SELECT pr.person_id, 'birth_date', 'birth_date_vs_id',
               CASE WHEN pr.birth_precision = 'day' THEN strftime(pr.birth_date, '%Y-%m-%d')
                    ELSE strftime(pr.birth_date, '%Y-%m') END,
               pr.source, pr.record_uid, false
        FROM pr JOIN golden g USING (person_id)
        WHERE (pr.birth_precision = 'day' AND pr.birth_date <> g.id_birth_date)
           OR (pr.birth_precision = 'month' AND pr.birth_date <> date_trunc('month', g.id_birth_date))
        UNION ALL
        SELECT person_id, 'birth_date', 'birth_date_vs_id', strftime(id_birth_date, '%Y-%m-%d'), '{ID_SOURCE}',
               id_number_record_uid, true
        FROM golden WHERE id_birth_date IS NOT NULL
        UNION ALL
        SELECT e.person_id, 'studied_abroad', 'studied_abroad',
               CASE WHEN e.asserts_study_abroad THEN '是' ELSE '否' END, e.source, e.record_uid, false
        FROM {RESTRICTED}.returnee_evidence e
    )
"""


def conflicts_sql() -> str:
    """The query building `person_conflicts` from records, the golden record and the evidence."""
    descriptions = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in DESCRIPTIONS.items())
    return f"""
        WITH {_OBSERVATIONS},
        disputed AS (
            SELECT person_id, attribute, conflict FROM observed GROUP BY person_id, attribute, conflict
            HAVING count(DISTINCT value) > 1 AND bool_or(NOT reference)
        ),
        grouped AS (
            SELECT person_id, attribute, conflict, value,
                   list_sort(list_distinct(list(source))) AS sources, list_sort(list(record_uid)) AS record_uids
            FROM observed SEMI JOIN disputed USING (person_id, attribute, conflict)
            GROUP BY person_id, attribute, conflict, value
        ),
        conflicts AS (
            SELECT person_id, attribute, conflict, count(*)::INTEGER AS value_count,
                   list({{'value': value, 'sources': sources, 'record_uids': record_uids}} ORDER BY value) AS "values"
            FROM grouped GROUP BY person_id, attribute, conflict
        )
        SELECT c.person_id, c.attribute, c.conflict, CASE c.conflict {descriptions} END AS description,
               c.value_count, c."values",
               CASE c.attribute WHEN 'id_number' THEN d.id_number WHEN 'name' THEN d.name WHEN 'sex' THEN d.sex
                    WHEN 'birth_date' THEN strftime(d.birth_date, '%Y-%m-%d')
                    WHEN 'studied_abroad' THEN CASE WHEN d.is_returnee THEN '是' ELSE '否' END END AS golden_value
        FROM conflicts c JOIN {RESTRICTED}.dim_person d USING (person_id)
        ORDER BY c.person_id, c.attribute, c.conflict
    """


def build_person_conflicts(con: duckdb.DuckDBPyConnection) -> int:
    """Write `restricted.person_conflicts` (needs `dim_person` and `returnee_evidence`); return its rows."""
    con.execute(f"CREATE OR REPLACE TABLE {RESTRICTED}.person_conflicts AS {conflicts_sql()}")
    return int(scalar(con, f"SELECT count(*) FROM {RESTRICTED}.person_conflicts"))
