"""The access log: who read or exported personal data, who logged in, and what was refused.

It lives in the decisions file beside the warehouse (`access_log`), which the console and the
operator's commands already write. Rows are only ever appended: this module has no update or
delete path. Each row carries the hash of the row before it and its own hash over all its
fields (a hash chain, computed by DuckDB's `sha256` in the insert itself), so an edited,
deleted or reordered row shows up in `verify_chain`. Cutting rows off the end of the chain is
only visible against a head hash noted elsewhere (`returnees audit` prints it).

Times are UTC. Values personal in themselves (a search term, an unknown login name) are
stored masked, with a keyed digest (`target_digest`) that lets an investigator check whether
a known value was searched without the log holding the value.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import polars as pl

from warehouse.store.db import query, table_exists
from warehouse.store.decisions import decisions_path, open_decisions

# What happened (the code and how a person reads it).
ACTION_LABELS = {
    "user_add": "添加账号",
    "login": "登录",
    "logout": "退出",
    "lockout": "账号锁定",
    "unlock": "解除锁定",
    "password_change": "修改密码",
    "session_expired": "会话过期",
    "sessions_ended": "结束会话",
    "person_view": "查看人员",
    "search": "搜索",
    "view": "查看页面",
    "action": "提交操作",
    "export": "导出",
    "audit_view": "查看访问日志",
}
OUTCOME_LABELS = {
    "allowed": "允许",
    "denied": "拒绝",
    "failed": "失败",
    "locked": "已锁定",
    "not_found": "不存在",
    "error": "出错",
}

ACCESS_LOG_DDL = """
CREATE TABLE IF NOT EXISTS access_log (
    seq BIGINT PRIMARY KEY,
    logged_at TIMESTAMP NOT NULL,
    username VARCHAR,
    role VARCHAR,
    action VARCHAR NOT NULL,
    target VARCHAR,
    target_digest VARCHAR,
    detail VARCHAR,
    address VARCHAR,
    outcome VARCHAR NOT NULL,
    session VARCHAR,
    prev_hash VARCHAR NOT NULL,
    row_hash VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS access_log_key (digest_key VARCHAR NOT NULL);
"""

EVENT_COLUMNS = (
    "username",
    "role",
    "action",
    "target",
    "target_digest",
    "detail",
    "address",
    "outcome",
    "session",
)
# The log keeps UTC; people read and filter it in the time of the province it serves.
LOCAL_ZONE = ZoneInfo("Asia/Shanghai")
GENESIS_HASH = hashlib.sha256(b"returnees access log").hexdigest()

# One SQL expression over a row's columns, used both to write `row_hash` and to check it. NULL is
# written as \x1e and fields are separated by \x1f; `_clean` keeps both out of the values.
_PAYLOAD = (
    "concat_ws(chr(31), seq::VARCHAR, epoch_us(logged_at)::VARCHAR, "
    + ", ".join(f"coalesce({c}, chr(30))" for c in EVENT_COLUMNS)
    + ", prev_hash)"
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class AccessEvent:
    """One thing to record: who (username, role, address, session), what (action, target, detail),
    and the outcome."""

    action: str
    outcome: str = "allowed"
    username: str | None = None
    role: str | None = None
    target: str | None = None
    target_digest: str | None = None
    detail: str | None = None
    address: str | None = None
    session: str | None = None


@dataclass(frozen=True)
class ChainStatus:
    """What `verify_chain` found: rows checked, the last row's hash, the first row that breaks it."""

    rows: int
    head_hash: str
    first_broken: int | None

    @property
    def intact(self) -> bool:
        """Whether every row still carries the hash its fields and predecessor give."""
        return self.first_broken is None


def utc_now() -> datetime:
    """The current time as the log stores it (naive UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_time(utc: datetime) -> str:
    """A logged UTC time as Beijing time, to the second."""
    return utc.replace(tzinfo=UTC).astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M:%S")


def local_day_start(day: date) -> datetime:
    """The UTC time (naive) at which a Beijing calendar day begins."""
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_ZONE).astimezone(UTC).replace(tzinfo=None)


def ensure_access_log(con: duckdb.DuckDBPyConnection) -> None:
    """Create the log and its digest key if the decisions file does not have them yet."""
    con.execute(ACCESS_LOG_DDL)
    if not con.execute("SELECT count(*) FROM access_log_key").fetchall()[0][0]:
        con.execute("INSERT INTO access_log_key VALUES (?)", [secrets.token_hex(32)])


def _clean(value: str | None) -> str | None:
    """A value without control characters (no forged separators, no log injection)."""
    return None if value is None else _CONTROL.sub("\ufffd", value)


def append_events(con: duckdb.DuckDBPyConnection, events: Iterable[AccessEvent], logged_at: datetime) -> None:
    """Append events in order at time `logged_at` (naive UTC), each chained to the row before it."""
    ensure_access_log(con)
    for event in events:
        if event.action not in ACTION_LABELS or event.outcome not in OUTCOME_LABELS:
            raise ValueError(f"访问日志不认识的操作或结果：{event.action} / {event.outcome}")
        values = {c: _clean(getattr(event, c)) for c in EVENT_COLUMNS}
        con.execute(
            f"""
            INSERT INTO access_log
            SELECT *, sha256({_PAYLOAD}) FROM (
                SELECT coalesce((SELECT max(seq) FROM access_log), 0) + 1 AS seq, $logged_at::TIMESTAMP AS logged_at,
                       {", ".join(f"${c}::VARCHAR AS {c}" for c in EVENT_COLUMNS)},
                       coalesce((SELECT row_hash FROM access_log ORDER BY seq DESC LIMIT 1), $genesis) AS prev_hash
            )
            """,
            {"logged_at": logged_at, "genesis": GENESIS_HASH, **values},
        )


def digest_key(con: duckdb.DuckDBPyConnection) -> str | None:
    """This log's key for digests of masked values (None while the log does not exist)."""
    if not table_exists(con, "access_log_key"):
        return None
    rows = con.execute("SELECT digest_key FROM access_log_key LIMIT 1").fetchall()
    return str(rows[0][0]) if rows else None


def value_digest(key: str, value: str) -> str:
    """The keyed digest under which a masked value (search term, login name) is recorded."""
    return hmac.new(bytes.fromhex(key), value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class EventFilter:
    """Which rows to read; every field optional (times naive UTC, `until` exclusive)."""

    since: datetime | None = None
    until: datetime | None = None
    username: str | None = None
    action: str | None = None
    target: str | None = None
    target_digest: str | None = None


def _where(events: EventFilter) -> tuple[str, dict[str, object]]:
    clauses = {
        "since": "logged_at >= $since",
        "until": "logged_at < $until",
        "username": "username = $username",
        "action": "action = $action",
        "target": "target = $target",
        "target_digest": "target_digest = $target_digest",
    }
    used = {k: v for k, v in vars(events).items() if v is not None}
    return " AND ".join(["TRUE", *(clauses[k] for k in used)]), used


def read_events(
    con: duckdb.DuckDBPyConnection,
    events: EventFilter = EventFilter(),
    newest_first: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> pl.DataFrame:
    """The matching rows (all columns but the hashes), by sequence number."""
    if not table_exists(con, "access_log"):
        return pl.DataFrame(schema={"seq": pl.Int64, "logged_at": pl.Datetime, **dict.fromkeys(EVENT_COLUMNS, pl.Utf8)})
    where, params = _where(events)
    order = "DESC" if newest_first else ""
    page = f"LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
    columns = ", ".join(("seq", "logged_at", *EVENT_COLUMNS))
    return query(con, f"SELECT {columns} FROM access_log WHERE {where} ORDER BY seq {order} {page}", params)


def count_events(con: duckdb.DuckDBPyConnection, events: EventFilter = EventFilter()) -> int:
    """How many rows match."""
    if not table_exists(con, "access_log"):
        return 0
    where, params = _where(events)
    return int(con.execute(f"SELECT count(*) FROM access_log WHERE {where}", params).fetchall()[0][0])


def verify_chain(con: duckdb.DuckDBPyConnection) -> ChainStatus:
    """Recompute every row's hash and link in one pass; report the first row that does not hold."""
    if not table_exists(con, "access_log"):
        return ChainStatus(0, GENESIS_HASH, None)
    broken = con.execute(
        f"""
        SELECT seq FROM (
            SELECT seq, prev_hash, row_hash, sha256({_PAYLOAD}) AS recomputed,
                   lag(row_hash, 1, $genesis) OVER w AS chained, lag(seq, 1, 0) OVER w AS before
            FROM access_log WINDOW w AS (ORDER BY seq)
        )
        WHERE prev_hash <> chained OR row_hash <> recomputed OR seq <> before + 1
        ORDER BY seq LIMIT 1
        """,
        {"genesis": GENESIS_HASH},
    ).fetchall()
    rows, head = con.execute(
        "SELECT count(*), coalesce(arg_max(row_hash, seq), $genesis) FROM access_log", {"genesis": GENESIS_HASH}
    ).fetchall()[0]
    return ChainStatus(int(rows), str(head), int(broken[0][0]) if broken else None)


def cli_user() -> str:
    """Who runs a command, as the log names operators outside the console."""
    return f"cli:{getpass.getuser()}"


def record_access(
    warehouse: Path,
    user: str,
    action: str,
    target: str | None,
    detail: str | None = None,
    outcome: str = "allowed",
) -> None:
    """Append one event to the warehouse's access log from outside the console (a command)."""
    with open_decisions(decisions_path(warehouse), read_only=False) as con:
        append_events(con, [AccessEvent(action, outcome, user, None, target, None, detail)], utc_now())


def record_export(warehouse: Path, kind: str, rows: int, user: str | None = None, detail: str | None = None) -> None:
    """Record that `rows` rows of personal data left the warehouse as export `kind` (e.g. `push`)."""
    text = f"{rows} 行" + (f"；{detail}" if detail else "")
    record_access(warehouse, user or cli_user(), "export", kind, text)
