"""Server-side sessions (`console_sessions` in the decisions file).

The cookie carries only a signed random id; whether it is logged in, as whom and until when is
decided here, so logging out, an administrator or a password change ends a session for good
(a signed cookie alone could not be revoked). The table keeps the SHA-256 of each id, never the
id itself. A session ends after `idle_timeout` without a request or `absolute_lifetime` after
login, whichever comes first.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

import duckdb
import polars as pl

from console.security import SecurityPolicy, Session, session_key
from warehouse.store.db import table_exists

SESSIONS_DDL = """
CREATE TABLE IF NOT EXISTS console_sessions (
    session_key VARCHAR PRIMARY KEY,
    username VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    address VARCHAR,
    ended_at TIMESTAMP,
    end_reason VARCHAR
)
"""

END_REASON_LABELS = {
    "logout": "退出登录",
    "idle": "闲置超时",
    "expired": "超过最长时长",
    "ended_by_admin": "被管理员结束",
    "ended_by_user": "本人结束",
    "password_changed": "密码已修改",
}


@dataclass(frozen=True)
class Resolved:
    """A cookie's session as the server sees it, and why it ended if it just did."""

    session: Session | None
    ended_reason: str | None = None
    started_at: datetime | None = None

    @property
    def expired(self) -> bool:
        """Whether the session was logged in until this request found it too old."""
        return self.ended_reason is not None


def short_key(sid: str) -> str:
    """The part of a session's key the access log records, to tie events to one session."""
    return session_key(sid)[:16]


def start_session(con: duckdb.DuckDBPyConnection, sid: str, username: str, address: str | None, now: datetime) -> None:
    """Record a new logged-in session."""
    con.execute(SESSIONS_DDL)
    con.execute(
        "INSERT INTO console_sessions (session_key, username, started_at, last_seen_at, address)"
        " VALUES (?, ?, ?, ?, ?)",
        [session_key(sid), username, now, now, address],
    )


def resolve_session(con: duckdb.DuckDBPyConnection, cookie: Session, now: datetime, policy: SecurityPolicy) -> Resolved:
    """The logged-in session behind a cookie's id (with the user's current role), touched; the
    anonymous session when the id is unknown, ended or (now ending) too old."""
    con.execute(SESSIONS_DDL)
    if not table_exists(con, "console_users"):
        return Resolved(Session(cookie.sid))
    rows = con.execute(
        """
        SELECT s.username, u.role, s.started_at, s.last_seen_at
        FROM console_sessions s JOIN console_users u USING (username)
        WHERE s.session_key = ? AND s.ended_at IS NULL
        """,
        [session_key(cookie.sid)],
    ).fetchall()
    if not rows:
        return Resolved(Session(cookie.sid))
    username, role, started_at, last_seen_at = rows[0]
    reason = (
        "expired"
        if now - started_at >= policy.absolute_lifetime
        else "idle"
        if now - last_seen_at >= policy.idle_timeout
        else None
    )
    if reason is not None:
        end_session(con, cookie.sid, reason, now)
        return Resolved(Session(cookie.sid, username, role), reason)
    con.execute("UPDATE console_sessions SET last_seen_at = ? WHERE session_key = ?", [now, session_key(cookie.sid)])
    return Resolved(Session(cookie.sid, username, role), started_at=started_at)


@dataclass(frozen=True)
class _Confirmed:
    session: Session
    started_at: datetime
    last_seen_at: datetime


class SessionCache:
    """Sessions the table confirmed at their last request in this process, by id: a page request
    of a live session needs no lookup before its route runs (the table is asked after it)."""

    def __init__(self) -> None:
        self._confirmed: dict[str, _Confirmed] = {}
        self._lock = threading.Lock()

    def get(self, sid: str, now: datetime, policy: SecurityPolicy) -> Session | None:
        """The session, if confirmed and by the clock still neither idle nor too old."""
        with self._lock:
            entry = self._confirmed.get(sid)
        if entry is None or now - entry.last_seen_at >= policy.idle_timeout:
            return None
        return entry.session if now - entry.started_at < policy.absolute_lifetime else None

    def remember(self, resolved: Resolved, now: datetime, policy: SecurityPolicy) -> None:
        """Keep a session the table has just confirmed (and drop those past their lifetime)."""
        if resolved.session is None or resolved.started_at is None:
            return
        with self._lock:
            self._confirmed = {
                sid: e for sid, e in self._confirmed.items() if now - e.started_at < policy.absolute_lifetime
            }
            self._confirmed[resolved.session.sid] = _Confirmed(resolved.session, resolved.started_at, now)

    def forget(self, sid: str) -> None:
        """Drop a session (it ended, or the table no longer confirms it)."""
        with self._lock:
            self._confirmed.pop(sid, None)


def end_session(con: duckdb.DuckDBPyConnection, sid: str, reason: str, now: datetime) -> None:
    """End one session (logout, timeout)."""
    con.execute(
        "UPDATE console_sessions SET ended_at = ?, end_reason = ? WHERE session_key = ? AND ended_at IS NULL",
        [now, reason, session_key(sid)],
    )


def end_user_sessions(
    con: duckdb.DuckDBPyConnection, username: str, reason: str, now: datetime, keep_sid: str | None = None
) -> int:
    """End every open session of a user (but `keep_sid`); return how many."""
    con.execute(SESSIONS_DDL)
    keep = session_key(keep_sid) if keep_sid else ""
    rows = con.execute(
        """
        UPDATE console_sessions SET ended_at = ?, end_reason = ?
        WHERE username = ? AND ended_at IS NULL AND session_key <> ? RETURNING session_key
        """,
        [now, reason, username, keep],
    ).fetchall()
    return len(rows)


def open_sessions(
    con: duckdb.DuckDBPyConnection, now: datetime, policy: SecurityPolicy, username: str | None = None
) -> pl.DataFrame:
    """Sessions still in force (not ended, not idle, not too old), newest first."""
    con.execute(SESSIONS_DDL)
    sessions: pl.DataFrame = con.sql(
        """
        SELECT session_key, username, started_at, last_seen_at, address FROM console_sessions
        WHERE ended_at IS NULL AND last_seen_at > $idle AND started_at > $oldest
          AND ($username IS NULL OR username = $username)
        ORDER BY started_at DESC
        """,
        params={
            "idle": now - policy.idle_timeout,
            "oldest": now - policy.absolute_lifetime,
            "username": username,
        },
    ).pl()
    return sessions
