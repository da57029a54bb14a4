"""The console as a place where personal data is read: access log, lockout, sessions, passwords.

Over a warehouse published by a real run, through the real app, with a clock the tests move.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from fastapi import FastAPI
from shared_runs import PublishedRun

from console.app import create_app
from console.security import SecurityPolicy
from console.store import DecisionStore
from console.users import add_user
from returnees.cli import main
from warehouse.store.access_log import (
    EventFilter,
    digest_key,
    read_events,
    record_export,
    utc_now,
    value_digest,
    verify_chain,
)
from warehouse.store.decisions import decisions_path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SECRET = "security-secret-" + "s" * 24
STEWARD = ("alice", "steward-pass-1")
VIEWER = ("bob", "viewer-pass-1")
ADMIN = ("root", "quiet-lantern-42")
POLICY = SecurityPolicy()


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="module")
def published(published_run: PublishedRun) -> Path:
    return published_run.warehouse


@pytest.fixture
def warehouse(published: Path, tmp_path: Path) -> Path:
    """A private copy of the published warehouse with a steward, a viewer and an administrator."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(published, copy)
    store = DecisionStore(copy)
    for (name, password), role in ((STEWARD, "steward"), (VIEWER, "viewer"), (ADMIN, "admin")):
        add_user(store, name, password, role)
    return copy


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(warehouse: Path, clock: Clock) -> FastAPI:
    return create_app(warehouse, SECRET, page_size=5, policy=POLICY, clock=clock)


def _client(app: FastAPI) -> TestClient:
    return TestClient(app, follow_redirects=False)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with _client(app) as c:
        yield c


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def _try_login(client: TestClient, user: tuple[str, str]) -> tuple[int, str]:
    token = _csrf(client.get("/login").text)
    response = client.post("/login", data={"username": user[0], "password": user[1], "csrf_token": token})
    return response.status_code, response.text


def _login(client: TestClient, user: tuple[str, str]) -> str:
    """Log in; return the session's CSRF token."""
    status, text = _try_login(client, user)
    assert status == 303, text
    return _csrf(client.get("/queue").text)


def _log(warehouse: Path, **where: object) -> list[dict]:
    with duckdb.connect(str(decisions_path(warehouse)), read_only=True) as con:
        return read_events(con, EventFilter(**where)).to_dicts()  # type: ignore[arg-type]


def _person_and_name(warehouse: Path) -> tuple[str, str, str, str]:
    """A person with a name and a valid citizen ID: (person id, name, ID number, another person id)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        person, name, id_number = con.execute(
            """
            SELECT p.person_id, r.name, r.id_number FROM person_registry p JOIN records r USING (record_uid)
            WHERE r.name IS NOT NULL AND length(r.id_number) = 18 ORDER BY 1 LIMIT 1
            """
        ).fetchall()[0]
        other = con.execute("SELECT max(person_id) FROM person_registry").fetchall()[0][0]
    return person, name, id_number, other


# --- the access log -------------------------------------------------------------------------


def test_person_views_and_searches_are_logged_with_who_when_and_what(client: TestClient, warehouse: Path) -> None:
    person, name, id_number, other = _person_and_name(warehouse)
    token = _login(client, VIEWER)
    assert client.get(f"/persons/{person}?with={other}").status_code == 200
    assert client.post("/search", data={"q": id_number, "csrf_token": token}).status_code == 200
    assert client.post("/search", data={"q": name, "csrf_token": token}).status_code == 200
    assert client.get("/persons/P9999999999").status_code == 404

    views = _log(warehouse, action="person_view")
    assert [(v["target"], v["outcome"]) for v in views] == [
        (person, "allowed"),
        (other, "allowed"),
        ("P9999999999", "not_found"),
    ]
    assert all(v["username"] == VIEWER[0] and v["role"] == "viewer" for v in views)
    assert all(v["address"] == "testclient" and len(v["session"]) == 16 for v in views)
    assert len({v["session"] for v in views}) == 1

    searches = _log(warehouse, action="search")
    assert [s["target"] for s in searches] == [
        id_number[:6] + "********" + id_number[-4:],
        name[0] + "*" * (len(name) - 1),
    ]
    assert "按身份证号搜索" in searches[0]["detail"] and "1 个人员" in searches[0]["detail"]
    with duckdb.connect(str(decisions_path(warehouse)), read_only=True) as con:
        key = digest_key(con)
        everything = json.dumps(con.sql("SELECT * FROM access_log").pl().to_dicts(), default=str, ensure_ascii=False)
    assert id_number not in everything and (len(name) < 2 or name not in everything)
    assert searches[0]["target_digest"] == value_digest(str(key), id_number.upper())


def test_search_terms_never_stand_in_a_url(client: TestClient, warehouse: Path) -> None:
    person, name, _, _ = _person_and_name(warehouse)
    _login(client, VIEWER)
    page = client.get("/search", params={"q": name})
    assert page.status_code == 200 and person not in page.text
    assert re.search(r'<form class="search" action="/search" method="post">', page.text)
    assert not _log(warehouse, action="search")


def test_every_page_a_user_opens_is_logged_and_static_files_are_not(client: TestClient, warehouse: Path) -> None:
    _login(client, STEWARD)
    client.get("/queue?reason=large")
    client.get("/decisions")
    client.get("/static/console.css")
    views = _log(warehouse, action="view", username=STEWARD[0])
    assert [v["target"] for v in views] == ["/queue", "/queue", "/decisions"]  # after login, then the two pages


def test_only_administrators_read_the_access_log(client: TestClient, app: FastAPI, warehouse: Path) -> None:
    _login(client, STEWARD)
    assert client.get("/admin/access-log").status_code == 403
    assert client.get("/admin/users").status_code == 403
    denied = _log(warehouse, username=STEWARD[0], target="/admin/access-log")
    assert denied[0]["outcome"] == "denied"

    with _client(app) as admin:
        _login(admin, ADMIN)
        page = admin.get("/admin/access-log", params={"user": STEWARD[0]})
        assert page.status_code == 200 and "哈希链完整" not in page.text
        assert "哈希链完整" in admin.get("/admin/access-log", params={"verify": 1}).text
        assert "/admin/access-log" in page.text and "拒绝" in page.text
        assert _log(warehouse, action="audit_view", username=ADMIN[0])[0]["detail"] == f"user={STEWARD[0]}"


def test_a_page_is_withheld_while_its_access_cannot_be_logged(client: TestClient, warehouse: Path) -> None:
    _login(client, VIEWER)
    assert "请输入人员编号" in client.get("/search").text  # the session is now remembered
    holder = subprocess.Popen(  # another process holds the decisions file, as a nightly run may
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print(1, flush=True); time.sleep(120)",
            str(decisions_path(warehouse)),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"1"
        page = client.get("/search")  # built without the decisions file, then its log row fails
    finally:
        holder.kill()
        holder.wait()
    assert page.status_code == 503 and "访问日志暂时无法写入" in page.text and "请输入人员编号" not in page.text
    assert client.get("/search").status_code == 200
    assert [v["outcome"] for v in _log(warehouse, target="/search")] == ["allowed", "allowed"]


def test_the_log_is_a_hash_chain_that_shows_tampering(
    client: TestClient, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    person = _person_and_name(warehouse)[0]
    _login(client, VIEWER)
    client.get(f"/persons/{person}")
    client.get("/queue")
    path = decisions_path(warehouse)
    with duckdb.connect(str(path), read_only=True) as con:
        assert verify_chain(con).intact
    assert main(["audit", "--warehouse", str(warehouse)]) == 0
    assert "哈希链完整" in capsys.readouterr().err

    with duckdb.connect(str(path)) as con:  # someone hides who looked at the person
        seq = con.execute("SELECT seq FROM access_log WHERE action = 'person_view'").fetchall()[0][0]
        con.execute("UPDATE access_log SET username = 'nobody' WHERE seq = ?", [seq])
        assert verify_chain(con).first_broken == seq
        con.execute("UPDATE access_log SET username = ? WHERE seq = ?", [VIEWER[0], seq])
        assert verify_chain(con).intact
        con.execute("DELETE FROM access_log WHERE seq = ?", [seq])
        assert verify_chain(con).first_broken == seq + 1
    assert main(["audit", "--warehouse", str(warehouse)]) == 1
    assert f"哈希链在第 {seq + 1} 条断开" in capsys.readouterr().err


# --- failed logins and the lock ---------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_refused(
    client: TestClient, app: FastAPI, warehouse: Path, clock: Clock
) -> None:
    wrong = (STEWARD[0], "not-the-password")
    for _ in range(POLICY.max_failures - 1):
        status, text = _try_login(client, wrong)
        assert status == 401 and "用户名或密码错误" in text
    status, text = _try_login(client, wrong)
    assert status == 401 and "已暂时锁定" in text
    status, text = _try_login(client, STEWARD)
    assert status == 401 and "已暂时锁定" in text and "请 15 分钟后再试" in text
    assert client.get("/queue").status_code == 303

    attempts = _log(warehouse, username=STEWARD[0])
    assert [(a["action"], a["outcome"]) for a in attempts] == [
        *[("login", "failed")] * 5,
        ("lockout", "locked"),
        ("login", "locked"),
    ]
    with _client(app) as admin:
        _login(admin, ADMIN)
        users = admin.get("/admin/users").text
        assert re.search(r'id="u-alice">.*?锁定至', users, re.S)

    clock.advance(minutes=POLICY.lock_duration.total_seconds() / 60 + 1)
    assert _try_login(client, STEWARD)[0] == 303


def test_unknown_names_get_the_same_answers_and_the_same_lock(client: TestClient, warehouse: Path) -> None:
    answers = [_try_login(client, ("nobody", "not-the-password")) for _ in range(POLICY.max_failures + 1)]
    known = [_try_login(client, (VIEWER[0], "not-the-password")) for _ in range(POLICY.max_failures + 1)]
    assert [a[0] for a in answers] == [a[0] for a in known] == [401] * 6
    strip = lambda html: re.search(r'role="alert">([^<]+)<', html).group(1)  # noqa: E731
    assert [strip(a[1]) for a in answers] == [strip(k[1]) for k in known]
    unknown = _log(warehouse, target="（未知用户名）")
    assert len(unknown) == 7 and all(u["username"] is None and u["target_digest"] for u in unknown)
    assert "nobody" not in json.dumps(_log(warehouse), default=str)


def test_failures_spread_over_more_than_the_window_do_not_lock(client: TestClient, clock: Clock) -> None:
    wrong = (VIEWER[0], "not-the-password")
    for _ in range(POLICY.max_failures - 1):
        _try_login(client, wrong)
    clock.advance(minutes=POLICY.failure_window.total_seconds() / 60 + 1)
    status, text = _try_login(client, wrong)
    assert status == 401 and "用户名或密码错误" in text
    assert _try_login(client, VIEWER)[0] == 303


def test_an_administrator_lifts_a_lock(client: TestClient, app: FastAPI, warehouse: Path) -> None:
    for _ in range(POLICY.max_failures):
        _try_login(client, (VIEWER[0], "not-the-password"))
    assert "已暂时锁定" in _try_login(client, VIEWER)[1]
    with _client(app) as admin:
        token = _login(admin, ADMIN)
        response = admin.post("/admin/users/unlock", data={"username": VIEWER[0], "csrf_token": token})
        assert response.status_code == 303 and "已解除 bob 的锁定" in admin.get(response.headers["location"]).text
    assert _try_login(client, VIEWER)[0] == 303
    assert [e["username"] for e in _log(warehouse, action="unlock")] == [ADMIN[0]]


def test_users_unlock_and_passwd_on_the_command_line(
    client: TestClient, warehouse: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(POLICY.max_failures):
        _try_login(client, (VIEWER[0], "not-the-password"))
    assert main(["users", "list", "--warehouse", str(warehouse)]) == 0
    listing = capsys.readouterr().out
    assert re.search(r"bob\s+只读用户\s+锁定至", listing) and re.search(r"root\s+系统管理员\s+正常", listing)
    assert main(["users", "unlock", "--warehouse", str(warehouse), "--username", VIEWER[0]]) == 0
    assert _try_login(client, VIEWER)[0] == 303

    def passwd(password: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
        return main(["users", "passwd", "--warehouse", str(warehouse), "--username", VIEWER[0], "--password-stdin"])

    assert passwd("qwertyuiop123") == 1 and "常见密码" in capsys.readouterr().err
    assert passwd("harbour-swift-cedar") == 0 and "结束了 1 个会话" in capsys.readouterr().out
    assert client.get("/queue").status_code == 303  # the session ended with the old password
    assert _try_login(client, VIEWER)[0] == 401
    assert _try_login(client, (VIEWER[0], "harbour-swift-cedar"))[0] == 303
    changes = _log(warehouse, action="password_change")
    assert changes[0]["username"].startswith("cli:") and changes[0]["target"] == VIEWER[0]


# --- sessions --------------------------------------------------------------------------------


def test_an_idle_session_ends_and_is_sent_to_login(client: TestClient, warehouse: Path, clock: Clock) -> None:
    _login(client, VIEWER)
    clock.advance(minutes=29)
    assert client.get("/queue").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/decisions")
    assert response.status_code == 303 and response.headers["location"] == "/login?expired=1&next=%2Fdecisions"
    assert "会话已超时" in client.get(response.headers["location"]).text
    assert client.get("/queue").status_code == 303
    expired = _log(warehouse, action="session_expired")
    assert [(e["username"], e["detail"]) for e in expired] == [(VIEWER[0], "闲置超时")]


def test_a_session_ends_after_its_lifetime_however_busy(client: TestClient, clock: Clock) -> None:
    _login(client, VIEWER)
    for _ in range(int(POLICY.absolute_lifetime / timedelta(minutes=20)) - 1):
        clock.advance(minutes=20)
        assert client.get("/queue").status_code == 200
    clock.advance(minutes=20)
    assert client.get("/queue").headers["location"].startswith("/login?expired=1")


def test_logout_ends_the_session_on_the_server(client: TestClient, warehouse: Path) -> None:
    token = _login(client, VIEWER)
    cookie = client.cookies["returnees_console"]
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and "cookies" in response.headers["clear-site-data"]
    client.cookies.set("returnees_console", cookie)  # a copy of the cookie kept by someone
    assert client.get("/queue").status_code == 303
    assert [e["action"] for e in _log(warehouse, username=VIEWER[0])][-1] == "logout"


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(
    client: TestClient, app: FastAPI, warehouse: Path
) -> None:
    token = _login(client, VIEWER)
    with _client(app) as elsewhere:
        _login(elsewhere, VIEWER)
        assert "结束其他会话" in client.get("/account").text

        def change(current: str, new: str, again: str | None = None) -> str:
            data = {"current_password": current, "new_password": new, "new_password_again": again or new}
            response = client.post("/account/password", data={**data, "csrf_token": token})
            return response.headers.get("location") or response.text

        assert "两次输入的新密码不一致" in change(VIEWER[1], "harbour-swift-cedar", "harbour-swift-cedaR")
        assert "当前密码不对" in change("not-the-password", "harbour-swift-cedar")
        assert "常见密码" in change(VIEWER[1], "iloveyou2024!")
        assert "至少 12 个字符" in change(VIEWER[1], "short")
        assert change(VIEWER[1], "harbour-swift-cedar") == "/account?done=password"
        assert elsewhere.get("/queue").status_code == 303
        assert client.get("/queue").status_code == 200
    assert _try_login(_client(app), VIEWER)[0] == 401
    outcomes = [e["outcome"] for e in _log(warehouse, action="password_change")]
    assert outcomes == ["denied", "failed", "denied", "denied", "allowed"]  # only a wrong password counts as failed


def test_an_administrator_ends_all_sessions_of_a_user(client: TestClient, app: FastAPI) -> None:
    _login(client, STEWARD)
    with _client(app) as admin:
        token = _login(admin, ADMIN)
        response = admin.post("/admin/users/end-sessions", data={"username": STEWARD[0], "csrf_token": token})
        assert "已结束 alice 的全部会话" in admin.get(response.headers["location"]).text
    assert client.get("/queue").status_code == 303


def test_over_https_the_cookie_is_host_bound_and_secure(app: FastAPI) -> None:
    with TestClient(app, base_url="https://console.example", follow_redirects=False) as https:
        login = https.get("/login")
        cookie = login.headers["set-cookie"]
        assert cookie.startswith("__Host-returnees_console=") and "Secure" in cookie and "HttpOnly" in cookie
        assert login.headers["strict-transport-security"].startswith("max-age=")
        token = _csrf(login.text)
        response = https.post("/login", data={"username": VIEWER[0], "password": VIEWER[1], "csrf_token": token})
        assert response.status_code == 303 and https.get("/queue").status_code == 200
    with _client(app) as http:
        assert "strict-transport-security" not in http.get("/login").headers


def test_a_hash_of_the_old_cost_is_upgraded_at_login(client: TestClient, warehouse: Path) -> None:
    import hashlib

    salt = "ab" * 16
    legacy = hashlib.scrypt(b"legacy-pass-phrase", salt=bytes.fromhex(salt), n=2**14, r=8, p=1, dklen=32).hex()
    with duckdb.connect(str(decisions_path(warehouse))) as con:
        con.execute(
            "INSERT INTO console_users (username, password_hash, salt, role) VALUES ('old', ?, ?, 'viewer')",
            [legacy, salt],
        )
    assert _try_login(client, ("old", "legacy-pass-phrase"))[0] == 303
    with duckdb.connect(str(decisions_path(warehouse)), read_only=True) as con:
        stored = con.execute("SELECT password_hash FROM console_users WHERE username = 'old'").fetchall()[0][0]
    assert stored.startswith("scrypt$16384$8$5$")


# --- the audit command and exports -----------------------------------------------------------


def test_audit_prints_the_log_and_finds_who_viewed_or_searched(
    client: TestClient, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    person, _, id_number, _ = _person_and_name(warehouse)
    token = _login(client, VIEWER)
    client.get(f"/persons/{person}")
    client.post("/search", data={"q": id_number.lower(), "csrf_token": token})
    record_export(warehouse, "push", 1234, user="cli:operator")
    capsys.readouterr()

    assert main(["audit", "--warehouse", str(warehouse), "--person", person]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["序号", "时间（北京）", "用户"] and len(table) == 2
    assert re.search(rf"bob\s+只读用户\s+查看人员\s+{person}\s+testclient\s+允许", table[1])

    assert main(["audit", "--warehouse", str(warehouse), "--term", id_number, "--format", "jsonl"]) == 0
    [found] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert found["username"] == VIEWER[0] and found["action"] == "search" and id_number not in json.dumps(found)

    assert main(["audit", "--warehouse", str(warehouse), "--action", "export", "--format", "jsonl"]) == 0
    [export] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (export["username"], export["target"], export["detail"]) == ("cli:operator", "push", "1234 行")

    tomorrow = (utc_now() + timedelta(days=2)).date().isoformat()
    assert main(["audit", "--warehouse", str(warehouse), "--since", tomorrow]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert main(["audit", "--warehouse", str(warehouse), "--user", ADMIN[0]]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1  # the administrator has done nothing yet
    assert len(_log(warehouse, action="audit_view")) == 5  # each run of the command is itself logged
