"""Building blocks of the console's security without a warehouse: password rules, masking,
the lock read from the log, the hash chain, hashes of an older cost, terminal tables."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import duckdb
import pytest

from console.login import lock_state
from console.passwords import MIN_PASSWORD_LENGTH, WeakPassword, check_password, common_passwords
from console.search_terms import masked_term
from console.security import SecurityPolicy, hash_password, needs_rehash, password_matches
from console.text_table import display_width, text_table
from warehouse.store.access_log import AccessEvent, append_events, read_events, verify_chain

POLICY = SecurityPolicy()
T0 = datetime(2026, 12, 1, 8, 0, 0)


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short-pass", "至少 12 个字符"),
        ("a   b   c   d   e", "至少 12 个字符"),  # runs of spaces count once
        ("x" * 129 + "yz", "最多 128 个字符"),
        ("password1234", "常见密码"),
        ("Iloveyou2024!", "常见密码"),  # a listed password with digits and symbols around it
        ("WOAINI1314520", "常见密码"),
        ("1234567890123", "顺序"),
        ("qwertyuiopasd", "顺序"),
        ("1qaz2wsx3edc4rfv", "顺序"),
        ("abababababababab", "重复"),
        ("wang-wei-1985-x", "用户名"),
        ("chongqing2026!", "地名"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password: str, reason: str) -> None:
    with pytest.raises(WeakPassword, match=reason):
        check_password(password, "wang-wei")


@pytest.mark.parametrize(
    "password",
    ["correct horse battery staple", "嘉陵江边的黄葛树已经很老了", "Tr0ub4dor&3-plus", "harbour-swift-cedar"],
)
def test_long_uncommon_passwords_of_any_characters_pass(password: str) -> None:
    check_password(password, "wang-wei")


def test_the_shipped_list_is_the_breached_password_list() -> None:
    passwords = common_passwords()
    assert len(passwords) > 19_000 and {"123456", "qwerty", "woaini1314"} <= passwords
    assert all(p == p.lower() for p in passwords)
    assert MIN_PASSWORD_LENGTH >= 12


@pytest.mark.parametrize(
    ("term", "kind", "masked"),
    [
        ("p0000000123", "人员编号", "P0000000123"),
        ("11010519491231002x", "身份证号", "110105********002X"),
        ("１１０１０５４９１２３１００２", "身份证号", "110105*****1002"),  # full-width, 15 digits
        ("欧阳修远", "姓名", "欧***"),
        ("E12345678", "证件号或记录键", "E1*****78"),
        ("LIU", "姓名或记录键", "L**"),
    ],
)
def test_search_terms_are_masked_for_the_log(term: str, kind: str, masked: str) -> None:
    assert masked_term(term) == (kind, masked)


def _attempt(outcome: str, action: str = "login") -> AccessEvent:
    return AccessEvent(action, outcome, "wang", "steward", "wang", "digest-of-wang")


def _lock_after(events: list[tuple[timedelta, AccessEvent]], at: timedelta) -> tuple[datetime | None, int]:
    con = duckdb.connect()
    for offset, event in events:
        append_events(con, [event], T0 + offset)
    state = lock_state(con, "digest-of-wang", T0 + at, POLICY)
    return state.locked_until, state.failures


def test_the_lock_is_read_from_the_log() -> None:
    minute = timedelta(minutes=1)
    failures = [(i * minute, _attempt("failed")) for i in range(4)]
    assert _lock_after(failures, 5 * minute) == (None, 4)
    # An older failure falls out of the window.
    assert _lock_after(failures, 15 * minute + 30 * timedelta(seconds=1)) == (None, 3)
    # A success wipes the count.
    assert _lock_after([*failures, (4 * minute, _attempt("allowed"))], 5 * minute) == (None, 0)
    # A lockout holds for its duration, whatever is tried meanwhile, then the count starts afresh.
    locked = [*failures, (4 * minute, _attempt("failed")), (4 * minute, _attempt("locked", "lockout"))]
    assert _lock_after(locked, 10 * minute) == (T0 + 19 * minute, 0)
    assert _lock_after(locked, 19 * minute) == (None, 0)
    # An unlock lifts it at once; another name is never touched.
    assert _lock_after([*locked, (5 * minute, _attempt("allowed", "unlock"))], 6 * minute) == (None, 0)
    con = duckdb.connect()
    append_events(con, [e for _, e in locked], T0)
    assert lock_state(con, "digest-of-li", T0, POLICY).locked_until is None


def test_the_log_refuses_unknown_actions_and_keeps_control_characters_out() -> None:
    con = duckdb.connect()
    with pytest.raises(ValueError, match="不认识"):
        append_events(con, [AccessEvent("delete_everything")], T0)
    append_events(con, [AccessEvent("search", target="王*\x1f\n伪造", detail="a\x1eb")], T0)
    row = read_events(con).row(0, named=True)
    assert row["target"] == "王*\ufffd\ufffd伪造" and row["detail"] == "a\ufffdb"
    assert verify_chain(con).intact


def test_reordered_or_inserted_rows_break_the_chain() -> None:
    con = duckdb.connect()
    append_events(con, [AccessEvent("view", target=f"/page/{i}") for i in range(4)], T0)
    con.execute("UPDATE access_log SET seq = CASE seq WHEN 2 THEN 3 WHEN 3 THEN 2 ELSE seq END")
    assert verify_chain(con).first_broken == 2
    con = duckdb.connect()
    append_events(con, [AccessEvent("view", target="/a"), AccessEvent("view", target="/b")], T0)
    first = con.execute("SELECT row_hash FROM access_log WHERE seq = 1").fetchall()[0][0]
    con.execute(
        "INSERT INTO access_log (seq, logged_at, action, outcome, prev_hash, row_hash)"
        " VALUES (3, ?, 'view', 'allowed', ?, ?)",
        [T0, first, "0" * 64],
    )
    assert verify_chain(con).first_broken == 3


def test_hashes_of_the_older_cost_still_verify_and_ask_for_a_rehash() -> None:
    salt = "cd" * 16
    legacy = hashlib.scrypt(b"an old password", salt=bytes.fromhex(salt), n=2**14, r=8, p=1, dklen=32).hex()
    assert password_matches("an old password", salt, legacy) and needs_rehash(legacy)
    assert not password_matches("another password", salt, legacy)
    current = hash_password("an old password", salt)
    assert current.startswith("scrypt$16384$8$5$") and not needs_rehash(current)


def test_terminal_tables_align_chinese_text() -> None:
    lines = text_table(("用户", "操作"), [("bob", "查看人员"), ("管理员", None)]).splitlines()
    starts = [
        display_width(line[: line.index(value)]) for line, value in zip(lines, ("操作", "查看人员"), strict=False)
    ]
    assert starts == [8, 8]  # the widest first cell (管理员, 6 columns) and two spaces
    assert lines[2] == "管理员"
