"""`policy_push_events`: what each person is told about the policies, once per change.

The table carries over from run to run (copied from the last published warehouse, attached
read-only as `prev`). What a person was last told about a policy is the status of their latest
event for it; a run records an event only where tonight's status differs from that:

- `newly_eligible`: now `eligible`, and last told anything else (or nothing);
- `now_needs_evidence`: now `needs_evidence`, last told anything else (or nothing);
- `no_longer_eligible`: last told `eligible` or `needs_evidence`, now `not_eligible` or no longer in
  the talent library.

`not_eligible` for someone never told anything is no news and sends nothing; neither does an
unchanged status. The comparison is with what was told, not with last night's cache, so
`returnees run --full` or a rerun of the same deliveries records nothing new. Only measures whose
clauses are verified against the published texts are told (`dim_policy.clauses_verified`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from warehouse.serve.context import RESTRICTED
from warehouse.serve.dictionary import apply_comments
from warehouse.store.db import scalar, table_exists
from warehouse.store.previous import attach_previous

EVENTS = f"{RESTRICTED}.policy_push_events"
CHANGE_LABELS = {
    "newly_eligible": "新符合条件",
    "now_needs_evidence": "可能符合，需补充材料",
    "no_longer_eligible": "不再符合",
}
TOLD = ("eligible", "needs_evidence")  # statuses a person is told about
LEFT_LIBRARY = "not_evaluated"  # the person is no longer in the talent library

EVENTS_DDL = f"""
CREATE TABLE IF NOT EXISTS {EVENTS} (
    event_id VARCHAR, run_id VARCHAR, run_seq INTEGER, as_of_date DATE, person_id VARCHAR, policy_id VARCHAR,
    policy_name VARCHAR, change VARCHAR, change_label VARCHAR, previous_status VARCHAR, status VARCHAR,
    reasons VARCHAR, met_conditions VARCHAR[], unknown_conditions VARCHAR[], missing_evidence VARCHAR[],
    failed_conditions VARCHAR[]
)
"""


def _carry_over(con: duckdb.DuckDBPyConnection, published: Path | None, run_id: str) -> None:
    """The events table as last published, without any rows this run wrote before a retry."""
    con.execute(EVENTS_DDL)
    empty = not scalar(con, f"SELECT count(*) FROM {EVENTS}")
    previous = empty and published is not None and attach_previous(con, published)
    if previous and table_exists(con, f"prev.{EVENTS}"):
        con.execute(f"INSERT INTO {EVENTS} BY NAME SELECT * FROM prev.{EVENTS}")
    con.execute(f"DELETE FROM {EVENTS} WHERE run_id = ?", [run_id])


def changes_sql() -> str:
    """Tonight's changes: verified measures whose status differs from what the person was last told."""
    labels = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CHANGE_LABELS.items())
    told = ", ".join(f"'{s}'" for s in TOLD)
    return f"""
        WITH verified AS (
            SELECT policy_id FROM {RESTRICTED}.dim_policy WHERE clauses_verified
        ),
        told AS (
            SELECT person_id, policy_id, arg_max(status, run_seq) AS told_status
            FROM {EVENTS} GROUP BY person_id, policy_id
        ),
        now AS (
            SELECT p.* FROM {RESTRICTED}.policy_push p JOIN verified USING (policy_id)
        ),
        compared AS (
            SELECT coalesce(n.person_id, t.person_id) AS person_id, coalesce(n.policy_id, t.policy_id) AS policy_id,
                   n.policy_name, t.told_status, coalesce(n.status, '{LEFT_LIBRARY}') AS status, n.reasons,
                   n.met_conditions, n.unknown_conditions, n.missing_evidence, n.failed_conditions
            FROM now n FULL JOIN told t USING (person_id, policy_id)
            WHERE coalesce(n.policy_id, t.policy_id) IN (SELECT policy_id FROM verified)
              AND coalesce(n.person_id, t.person_id) IN (SELECT person_id FROM {RESTRICTED}.dim_person)
        ),
        changed AS (
            SELECT *, CASE
                       WHEN status = 'eligible' AND told_status IS DISTINCT FROM 'eligible' THEN 'newly_eligible'
                       WHEN status = 'needs_evidence' AND told_status IS DISTINCT FROM 'needs_evidence'
                           THEN 'now_needs_evidence'
                       WHEN status NOT IN ({told}) AND told_status IN ({told}) THEN 'no_longer_eligible'
                   END AS change
            FROM compared
        )
        SELECT c.person_id, c.policy_id, coalesce(c.policy_name, d.policy_name) AS policy_name, c.change,
               CASE c.change {labels} END AS change_label, c.told_status AS previous_status, c.status,
               coalesce(c.reasons, '已不在人才库（现有数据中没有留学回国证据）') AS reasons,
               coalesce(c.met_conditions, []) AS met_conditions,
               coalesce(c.unknown_conditions, []) AS unknown_conditions,
               coalesce(c.missing_evidence, []) AS missing_evidence,
               coalesce(c.failed_conditions, []) AS failed_conditions
        FROM changed c JOIN {RESTRICTED}.dim_policy d USING (policy_id)
        WHERE c.change IS NOT NULL
    """


def record_push_events(con: duckdb.DuckDBPyConnection, run_id: str, published: Path | None) -> dict[str, int]:
    """Append tonight's events to `policy_push_events` (carried over from `published`); return
    the count per change. Needs `policy_push`, `dim_policy` and `dim_person` of this run."""
    _carry_over(con, published, run_id)
    con.execute(
        f"""
        INSERT INTO {EVENTS} BY NAME
        SELECT md5(concat_ws('|', $run_id, person_id, policy_id, change)) AS event_id, $run_id AS run_id,
               (SELECT coalesce(max(run_seq), 0) + 1 FROM {EVENTS}) AS run_seq,
               (SELECT max(evaluated_on) FROM {RESTRICTED}.policy_push) AS as_of_date, *
        FROM ({changes_sql()}) ORDER BY person_id, policy_id
        """,
        {"run_id": run_id},
    )
    apply_comments(con, RESTRICTED, "policy_push_events")
    counts = con.execute(
        f"SELECT change, count(*) FROM {EVENTS} WHERE run_id = ? GROUP BY change ORDER BY change", [run_id]
    ).fetchall()
    return dict(counts)
