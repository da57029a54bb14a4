"""Logging in and changing one's password under the lockout rule (OWASP ASVS 2.2.1).

The lock is not a counter kept beside the user: it is read from the access log, where every
attempt is recorded under a keyed digest of the name typed in. `max_failures` failed attempts
within `failure_window`, counted since the last successful login, unlock or password change,
append a `lockout` event; for `lock_duration` after it every attempt is refused before the
password is even checked, the right one too. Unknown names are counted and locked the same way
and get the same answers, so neither the messages nor the lock tell whether a name exists.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import duckdb

from console.passwords import WeakPassword, check_password
from console.security import SecurityPolicy, Session
from console.sessions import end_user_sessions, short_key, start_session
from console.store import DecisionStore
from console.users import StoredUser, User, find_user, store_password, upgrade_hash, verify_password
from warehouse.store.access_log import AccessEvent, append_events, digest_key, ensure_access_log, value_digest

UNKNOWN_NAME = "（未知用户名）"


@dataclass(frozen=True)
class LockState:
    """Whether an account name is locked, and the failed attempts counting towards the next lock."""

    locked_until: datetime | None
    failures: int


@dataclass(frozen=True)
class LoginResult:
    """The user on success; when the name is locked, until when."""

    user: User | None
    locked_until: datetime | None = None


def name_digest(con: duckdb.DuckDBPyConnection, username: str) -> str:
    """The digest the log keeps for an account name (also for names that are no account)."""
    ensure_access_log(con)
    return value_digest(str(digest_key(con)), username.strip())


def lock_state(con: duckdb.DuckDBPyConnection, digest: str, now: datetime, policy: SecurityPolicy) -> LockState:
    """The lock on a name at `now`, from its login, lockout, unlock and password events."""
    reset_at, locked_at = con.execute(
        """
        SELECT max(logged_at) FILTER (WHERE (action IN ('login', 'password_change') AND outcome = 'allowed')
                                         OR action = 'unlock'),
               max(logged_at) FILTER (WHERE action = 'lockout')
        FROM access_log WHERE target_digest = ?
        """,
        [digest],
    ).fetchall()[0]
    in_force = locked_at is not None and (reset_at is None or locked_at > reset_at)
    if in_force and now < locked_at + policy.lock_duration:
        return LockState(locked_at + policy.lock_duration, 0)
    since = max(t for t in (reset_at, locked_at, now - policy.failure_window) if t is not None)
    failures = con.execute(
        """
        SELECT count(*) FROM access_log
        WHERE target_digest = ? AND action IN ('login', 'password_change') AND outcome = 'failed' AND logged_at > ?
        """,
        [digest, since],
    ).fetchall()[0][0]
    return LockState(None, int(failures))


def account_event(origin: AccessEvent, username: str, stored: StoredUser | None, digest: str) -> AccessEvent:
    """An event about an account name: the account when it exists, else only its digest."""
    if stored is None:
        return replace(origin, target=UNKNOWN_NAME, target_digest=digest)
    return replace(origin, username=origin.username or stored.username, target=stored.username, target_digest=digest)


def record_failure(
    con: duckdb.DuckDBPyConnection, failed: AccessEvent, now: datetime, policy: SecurityPolicy
) -> LockState:
    """Append a failed attempt; lock the name when it completes `max_failures`."""
    append_events(con, [failed], now)
    state = lock_state(con, str(failed.target_digest), now, policy)
    if state.failures < policy.max_failures:
        return state
    detail = f"{policy.max_failures} 次失败，锁定 {int(policy.lock_duration.total_seconds() // 60)} 分钟"
    append_events(con, [replace(failed, action="lockout", outcome="locked", detail=detail)], now)
    return LockState(now + policy.lock_duration, 0)


def attempt_login(
    store: DecisionStore,
    username: str,
    password: str,
    sid: str,
    origin: AccessEvent,
    now: datetime,
    policy: SecurityPolicy,
) -> LoginResult:
    """Check the lock, then the password; record the attempt, and on success the session `sid`."""
    name = username.strip()
    with store.writing() as con:
        digest = name_digest(con, name)
        stored = find_user(con, name)
        role = stored.role if stored else None
        attempt = account_event(replace(origin, action="login", role=role), name, stored, digest)
        state = lock_state(con, digest, now, policy)
        if state.locked_until is not None:
            append_events(con, [replace(attempt, outcome="locked")], now)
            return LoginResult(None, state.locked_until)
    matches = verify_password(stored, password)
    with store.writing() as con:
        if stored is None or not matches:
            state = record_failure(con, replace(attempt, outcome="failed"), now, policy)
            return LoginResult(None, state.locked_until)
        upgrade_hash(con, stored, password)
        start_session(con, sid, stored.username, origin.address, now)
        append_events(con, [replace(attempt, outcome="allowed", session=short_key(sid))], now)
    return LoginResult(User(stored.username, stored.role))


def change_own_password(
    store: DecisionStore,
    session: Session,
    current: str,
    new: str,
    origin: AccessEvent,
    now: datetime,
    policy: SecurityPolicy,
) -> str | None:
    """Change a logged-in user's password (the current one proves it is them; a wrong one counts
    towards the lock); end their other sessions. None on success, else the reason."""
    username = str(session.username)
    with store.writing() as con:
        digest = name_digest(con, username)
        stored = find_user(con, username)
        event = account_event(replace(origin, action="password_change"), username, stored, digest)
        if lock_state(con, digest, now, policy).locked_until is not None:
            append_events(con, [replace(event, outcome="locked")], now)
            return "账号已暂时锁定，请稍后再试"
    if stored is None or not verify_password(stored, current):
        with store.writing() as con:
            state = record_failure(con, replace(event, outcome="failed"), now, policy)
        return "当前密码不对" + ("，账号已暂时锁定" if state.locked_until else "")
    try:
        check_password(new, username)
    except WeakPassword as exc:
        with store.writing() as con:
            append_events(con, [replace(event, outcome="denied", detail=f"新密码不符合要求：{exc}")], now)
        return str(exc)
    with store.writing() as con:
        store_password(con, username, new)
        ended = end_user_sessions(con, username, "password_changed", now, keep_sid=session.sid)
        append_events(con, [replace(event, outcome="allowed", detail=f"结束其他会话 {ended} 个")], now)
    return None
