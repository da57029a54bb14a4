"""Tonight's push messages: one per person with policy changes, in Chinese, for a notification
service (the 渝快办 message centre) to send.

A message lists, per policy whose status changed in the run (`policy_push_events`): the change,
why (the conditions the data shows met, still to prove, or no longer met), what to submit (the
evidence still missing, else the application materials), the benefit with its document and where
to apply; the JSONL line carries each of these as fields, with the materials always. Messages
carry contact data (name, ID or passport number, mobile, e-mail) from `dim_person`: they are
written only to the folder the operator names, never into the analyst file or its Parquet export.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from warehouse.serve.context import RESTRICTED
from warehouse.serve.push_events import EVENTS
from warehouse.store.db import scalar, table_exists

JSONL = "push_messages.jsonl"
CSV = "push_messages.csv"
GREETING = "【重庆市留学回国人员服务】"
CLOSING = "详情可登录“渝快办”政务服务平台“重庆市留学回国人员服务一件事”专窗查询办理。"
CSV_COLUMNS = [
    "message_id",
    "run_id",
    "as_of_date",
    "person_id",
    "name",
    "id_number",
    "passport_no",
    "mobile",
    "email",
    "policy_count",
    "policy_names",
    "changes",
    "message",
]


def latest_run(con: duckdb.DuckDBPyConnection) -> str | None:
    """The run that built this warehouse (the last row of `run_log`), or None."""
    if not table_exists(con, "run_log"):
        return None
    run_id = scalar(con, "SELECT run_id FROM run_log ORDER BY finished_at DESC LIMIT 1")
    return None if run_id is None else str(run_id)


def _joined(column: str, separator: str = "；") -> str:
    return f"array_to_string({column}, '{separator}')"


def _line_sql() -> str:
    """SQL: the text of one event `e` of policy `d` (without its number)."""
    why = f"""CASE e.change
        WHEN 'no_longer_eligible' THEN '原因：' || CASE WHEN len(e.failed_conditions) > 0
            THEN {_joined("e.failed_conditions")} ELSE e.reasons END || '。'
        ELSE CASE WHEN len(e.met_conditions) > 0 THEN '您已符合：' || {_joined("e.met_conditions")} || '。' ELSE '' END
             || CASE WHEN len(e.unknown_conditions) > 0
                     THEN '尚需证明：' || {_joined("e.unknown_conditions")} || '。' ELSE '' END
        END"""
    submit = f"""CASE WHEN e.change <> 'no_longer_eligible' THEN
        CASE WHEN len(e.missing_evidence) > 0 THEN '需提交：' || {_joined("e.missing_evidence")} || '。' ELSE '' END
        || CASE WHEN len(e.missing_evidence) = 0 AND len(d.materials) > 0
                THEN '申报材料：' || {_joined("d.materials")} || '。' ELSE '' END
        || '支持内容：' || d.benefit || '（' || d.benefit_source || '）。'
        || '申请：' || d.apply_at || '。'
        ELSE '' END"""
    return f"e.policy_name || '（' || e.change_label || '）：' || {why} || {submit}"


def messages_sql() -> str:
    """SQL (parameter `$run_id`): one row per person with events in that run."""
    return f"""
        WITH lines AS (
            SELECT e.*, d.benefit, d.benefit_source, d.apply_at, d.materials,
                   d.document, d.document_number,
                   {_line_sql()} AS line,
                   row_number() OVER (PARTITION BY e.person_id ORDER BY e.policy_id) AS n
            FROM {EVENTS} e JOIN {RESTRICTED}.dim_policy d USING (policy_id)
            WHERE e.run_id = $run_id
        )
        SELECT md5($run_id || '|' || l.person_id) AS message_id, $run_id AS run_id,
               any_value(l.as_of_date) AS as_of_date, l.person_id,
               any_value(p.name) AS name, any_value(p.id_number) AS id_number,
               any_value(p.passport_no) AS passport_no, any_value(p.mobile) AS mobile, any_value(p.email) AS email,
               count(*)::INTEGER AS policy_count,
               string_agg(l.policy_name, '、' ORDER BY l.n) AS policy_names,
               string_agg(l.change_label, '、' ORDER BY l.n) AS changes,
               '{GREETING}' || coalesce(any_value(p.name), '') || '，您好！根据您在本市登记的信息，以下政策与您有关：\n'
                   || string_agg(l.n::VARCHAR || '. ' || l.line, '\n' ORDER BY l.n) || '\n{CLOSING}' AS message,
               list({{'event_id': l.event_id, 'policy_id': l.policy_id, 'policy_name': l.policy_name,
                      'change': l.change, 'change_label': l.change_label, 'status': l.status,
                      'previous_status': l.previous_status, 'document': l.document,
                      'document_number': l.document_number, 'benefit': l.benefit,
                      'benefit_source': l.benefit_source, 'reasons': l.reasons,
                      'met_conditions': l.met_conditions, 'unknown_conditions': l.unknown_conditions,
                      'failed_conditions': l.failed_conditions, 'to_submit': l.missing_evidence,
                      'materials': l.materials, 'apply_at': l.apply_at}} ORDER BY l.n) AS policies
        FROM lines l LEFT JOIN {RESTRICTED}.dim_person p USING (person_id)
        GROUP BY l.person_id ORDER BY l.person_id
    """


def push_messages(con: duckdb.DuckDBPyConnection, run_id: str) -> pl.DataFrame:
    """The messages of the events `run_id` found (empty when it found none)."""
    if not table_exists(con, EVENTS):
        raise LookupError("数仓中没有政策推送事件表（policy_push_events），请用当前版本重新运行一次")
    messages: pl.DataFrame = con.sql(messages_sql(), params={"run_id": run_id}).pl()
    return messages


def write_push_messages(messages: pl.DataFrame, out: Path) -> tuple[Path, Path]:
    """Write `push_messages.jsonl` (one message a line, with its policies) and `push_messages.csv`
    (the flat columns, UTF-8 with BOM so spreadsheet programs read the Chinese) into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    jsonl, csv = out / JSONL, out / CSV
    messages.with_columns(pl.col("as_of_date").cast(pl.Utf8)).write_ndjson(jsonl)
    messages.select(CSV_COLUMNS).write_csv(csv, include_bom=True)
    return jsonl, csv
