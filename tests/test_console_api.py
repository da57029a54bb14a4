"""Steward console over a real generated warehouse: login, permissions, CSRF, every action."""

from __future__ import annotations

import io
import json
import math
import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest
from shared_runs import PublishedRun

from console.app import create_app
from console.store import DecisionStore, active
from console.users import add_user, authenticate
from dedup.review.budget import DEFAULT_BUDGET, MIN_ESTIMATE
from returnees.cli import main

with warnings.catch_warnings():
    # Starlette asks for `httpx2`; the locked `httpx` works the same for these tests.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SECRET = "test-secret-" + "x" * 24
STEWARD = ("alice", "steward-pass-1")
VIEWER = ("bob", "viewer-pass-1")


@pytest.fixture(scope="module")
def published(published_run: PublishedRun) -> Path:
    """A warehouse published by a real run over a small generated landing area (never written)."""
    return published_run.warehouse


@pytest.fixture
def warehouse(published: Path, tmp_path: Path) -> Path:
    """A private copy of the published warehouse with a steward and a viewer."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(published, copy)
    store = DecisionStore(copy)
    add_user(store, STEWARD[0], STEWARD[1], "steward")
    add_user(store, VIEWER[0], VIEWER[1], "viewer")
    return copy


@pytest.fixture
def client(warehouse: Path) -> Iterator[TestClient]:
    with TestClient(create_app(warehouse, SECRET, page_size=5), follow_redirects=False) as c:
        yield c


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def _login(client: TestClient, user: tuple[str, str]) -> str:
    """Log in; return the session's CSRF token."""
    token = _csrf(client.get("/login").text)
    response = client.post("/login", data={"username": user[0], "password": user[1], "csrf_token": token})
    assert response.status_code == 303, response.text
    return _csrf(client.get("/queue").text)


def _decisions(warehouse: Path) -> pl.DataFrame:
    return DecisionStore(warehouse).decisions()


def _sql(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _person_with_groups(warehouse: Path) -> tuple[str, list[str], list[str]]:
    """A person of several evidence groups: (person, records of its first group, the other records)."""
    rows = _sql(
        warehouse,
        """
        SELECT p.person_id, list(p.record_uid ORDER BY c.det_group, p.record_uid), list(c.det_group ORDER BY
               c.det_group, p.record_uid)
        FROM person_registry p JOIN record_clusters c USING (record_uid)
        GROUP BY p.person_id HAVING count(DISTINCT c.det_group) >= 2 ORDER BY count(*) DESC, p.person_id LIMIT 1
        """,
    )
    person, uids, groups = rows[0]
    first = [u for u, g in zip(uids, groups, strict=True) if g == groups[0]]
    return person, first, [u for u in uids if u not in first]


def _two_persons(warehouse: Path) -> list[str]:
    return [r[0] for r in _sql(warehouse, "SELECT DISTINCT person_id FROM person_registry ORDER BY 1 LIMIT 2")]


# --- authentication -------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client: TestClient) -> None:
    for path in ("/", "/queue", "/persons/P0000000001", "/decisions", "/search?q=x", "/no-such-page"):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login")
    assert client.get("/queue?reason=large").headers["location"] == "/login?next=%2Fqueue%3Freason%3Dlarge"
    response = client.post("/actions/confirm", data={"person_id": "P0000000001"})
    assert response.status_code == 303 and response.headers["location"] == "/login"
    login = client.get("/login")
    assert login.status_code == 200 and "登录" in login.text
    assert "frame-ancestors 'none'" in login.headers["content-security-policy"]
    cookie = login.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_wrong_password_stays_on_login(client: TestClient) -> None:
    token = _csrf(client.get("/login").text)
    for username, password in ((STEWARD[0], "wrong-password"), ("nobody", STEWARD[1])):
        response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
        assert response.status_code == 401
        assert "用户名或密码错误" in response.text and 'action="/login"' in response.text
    assert client.get("/queue").status_code == 303


def test_login_needs_the_login_form_token(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": STEWARD[0], "password": STEWARD[1], "csrf_token": "forged"})
    assert response.status_code == 403
    assert client.get("/queue").status_code == 303


def test_login_returns_to_the_page_asked_for_and_logout_ends_the_session(client: TestClient) -> None:
    token = _csrf(client.get("/login?next=/decisions").text)
    response = client.post(
        "/login",
        data={"username": VIEWER[0], "password": VIEWER[1], "csrf_token": token, "next": "//evil.example/x"},
    )
    assert response.headers["location"] == "/queue"
    page = client.get("/decisions")
    assert page.status_code == 200 and "决定记录" in page.text
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/logout", data={"csrf_token": _csrf(page.text)}).headers["location"] == "/login"
    assert client.get("/queue").status_code == 303


def test_forged_or_expired_cookie_is_anonymous(client: TestClient) -> None:
    _login(client, STEWARD)
    client.cookies.set("returnees_console", client.cookies["returnees_console"][:-2] + "xx")
    assert client.get("/queue").status_code == 303


def test_passwords_are_salted_scrypt_hashes(warehouse: Path) -> None:
    rows = _sql(DecisionStore(warehouse).path, "SELECT username, password_hash, salt, role FROM console_users")
    assert {r[0] for r in rows} == {STEWARD[0], VIEWER[0]}
    assert all(STEWARD[1] not in r[1] and re.fullmatch(r"scrypt\$16384\$8\$5\$[0-9a-f]{64}", r[1]) for r in rows)
    assert all(len(r[2]) == 32 for r in rows)
    assert len({r[2] for r in rows}) == 2
    assert authenticate(DecisionStore(warehouse), *STEWARD) is not None
    assert authenticate(DecisionStore(warehouse), STEWARD[0], VIEWER[1]) is None


# --- permissions ----------------------------------------------------------------------------


def test_viewer_sees_no_actions_and_cannot_act(client: TestClient, warehouse: Path) -> None:
    token = _login(client, VIEWER)
    person, first, _ = _person_with_groups(warehouse)
    page = client.get(f"/persons/{person}")
    assert page.status_code == 200 and person in page.text
    assert "/actions/" not in page.text and 'type="checkbox"' not in page.text
    posts = {
        "/actions/confirm": {"person_id": person},
        "/actions/split": {"record_uid": first},
        "/actions/merge": {"person_id": _two_persons(warehouse)},
        "/actions/different": {"record_uid": first[:1] + _two_persons(warehouse)[:1]},
        "/actions/undo": {"decision_id": "1"},
    }
    for path, data in posts.items():
        response = client.post(path, data={**data, "csrf_token": token})
        assert response.status_code == 403, path
        assert "只有数据管理员" in response.text
    assert _decisions(warehouse).is_empty()


def test_bad_csrf_token_is_refused(client: TestClient, warehouse: Path) -> None:
    _login(client, STEWARD)
    person, _, _ = _person_with_groups(warehouse)
    for token in ("", "0" * 64):
        response = client.post("/actions/confirm", data={"person_id": person, "csrf_token": token})
        assert response.status_code == 403
    # A token from another session does not carry over.
    other = TestClient(client.app, follow_redirects=False)
    other_token = _login(other, STEWARD)
    response = client.post("/actions/confirm", data={"person_id": person, "csrf_token": other_token})
    assert response.status_code == 403
    assert _decisions(warehouse).is_empty()


# --- actions --------------------------------------------------------------------------------


def test_confirm_records_every_record_of_the_person(client: TestClient, warehouse: Path) -> None:
    token = _login(client, STEWARD)
    person, first, rest = _person_with_groups(warehouse)
    response = client.post(
        "/actions/confirm",
        data={"person_id": person, "comment": "核对过证件", "csrf_token": token, "back": f"/persons/{person}"},
    )
    assert response.status_code == 303
    assert re.fullmatch(rf"/persons/{person}\?done=\d+", response.headers["location"])
    decision = _decisions(warehouse).row(0, named=True)
    run_id = _sql(warehouse, "SELECT run_id FROM run_log ORDER BY finished_at DESC LIMIT 1")[0][0]
    assert decision["action"] == "confirm" and decision["made_by"] == STEWARD[0]
    assert sorted(decision["record_uids"]) == sorted(first + rest)
    assert decision["person_ids"] == [person] and decision["comment"] == "核对过证件"
    assert decision["run_id"] == run_id
    page = client.get(response.headers["location"])
    assert "已记录决定" in page.text and "确认人员" in page.text and "待下次运行生效" in page.text


def test_split_takes_the_ticked_records_out(client: TestClient, warehouse: Path) -> None:
    token = _login(client, STEWARD)
    person, first, rest = _person_with_groups(warehouse)
    response = client.post("/actions/split", data={"record_uid": first, "csrf_token": token})
    assert response.status_code == 303
    decision = _decisions(warehouse).row(0, named=True)
    assert decision["action"] == "split" and decision["person_ids"] == [person]
    assert sorted(decision["record_uids"]) == sorted(first)
    assert sorted(decision["other_record_uids"]) == sorted(rest)


def test_split_refuses_what_the_data_cannot_honour(client: TestClient, warehouse: Path) -> None:
    token = _login(client, STEWARD)
    _, first, rest = _person_with_groups(warehouse)
    cases = {
        "请先勾选": [],
        "全部记录": first + rest,
        "同一人员": [first[0], *[u for u in _all_uids(warehouse) if u not in first + rest][:1]],
    }
    if len(first) > 1:
        cases["同一证据组"] = first[:1]
    for message, uids in cases.items():
        response = client.post("/actions/split", data={"record_uid": uids, "csrf_token": token})
        assert response.status_code == 400 and message in response.text, message
    assert _decisions(warehouse).is_empty()


def _all_uids(warehouse: Path) -> list[str]:
    return [r[0] for r in _sql(warehouse, "SELECT record_uid FROM person_registry ORDER BY person_id LIMIT 50")]


def test_merge_names_both_persons_and_all_their_records(client: TestClient, warehouse: Path) -> None:
    token = _login(client, STEWARD)
    persons = _two_persons(warehouse)
    response = client.post("/actions/merge", data={"person_id": persons, "csrf_token": token, "comment": "同一人"})
    assert response.status_code == 303
    decision = _decisions(warehouse).row(0, named=True)
    in_list = ", ".join(f"'{p}'" for p in persons)
    expected = _sql(
        warehouse, f"SELECT list(record_uid ORDER BY record_uid) FROM person_registry WHERE person_id IN ({in_list})"
    )[0][0]
    assert decision["action"] == "merge" and decision["person_ids"] == persons
    assert decision["record_uids"] == expected
    one = client.post("/actions/merge", data={"person_id": persons[:1], "csrf_token": token})
    assert one.status_code == 400 and "至少两个" in one.text
    gone = client.post("/actions/merge", data={"person_id": [persons[0], "P9999999999"], "csrf_token": token})
    assert gone.status_code == 400 and "P9999999999" in gone.text


def test_different_marks_exactly_two_records(client: TestClient, warehouse: Path) -> None:
    token = _login(client, STEWARD)
    a, b = _two_persons(warehouse)
    uid_a = _sql(warehouse, f"SELECT min(record_uid) FROM person_registry WHERE person_id = '{a}'")[0][0]
    uid_b = _sql(warehouse, f"SELECT min(record_uid) FROM person_registry WHERE person_id = '{b}'")[0][0]
    response = client.post("/actions/different", data={"record_uid": [uid_a, uid_b], "csrf_token": token})
    assert response.status_code == 303
    decision = _decisions(warehouse).row(0, named=True)
    assert decision["action"] == "different" and decision["record_uids"] == sorted([uid_a, uid_b])
    assert decision["person_ids"] == [a, b]
    three = client.post("/actions/different", data={"record_uid": [uid_a], "csrf_token": token})
    assert three.status_code == 400 and "恰好勾选两条" in three.text


def test_undo_appends_and_cancels(client: TestClient, warehouse: Path) -> None:
    token = _login(client, STEWARD)
    person, _, _ = _person_with_groups(warehouse)
    client.post("/actions/confirm", data={"person_id": person, "csrf_token": token})
    first = int(_decisions(warehouse)["decision_id"][0])
    response = client.post("/actions/undo", data={"decision_id": str(first), "csrf_token": token, "comment": "误操作"})
    assert response.status_code == 303 and response.headers["location"].startswith("/decisions?done=")
    decisions = _decisions(warehouse)
    assert decisions["action"].to_list() == ["confirm", "undo"]
    assert decisions["undoes"][1] == first and active(decisions).is_empty()
    again = client.post("/actions/undo", data={"decision_id": str(first), "csrf_token": token})
    assert again.status_code == 400 and "已被撤销" in again.text
    page = client.get("/decisions")
    assert f"已由 #{decisions['decision_id'][1]} 撤销" in page.text and "误操作" in page.text
    assert client.get(f"/persons/{person}").text.count("撤销决定") >= 1


# --- pages ----------------------------------------------------------------------------------


def _estimates(html: str) -> list[float]:
    return [float(v) for v in re.findall(r'<td class="num estimate">([\d.]+)%</td>', html)]


def test_queue_ranks_by_estimate_and_cuts_at_the_budget(client: TestClient, warehouse: Path) -> None:
    _login(client, VIEWER)
    page = client.get("/queue")
    assert page.status_code == 200 and "复核队列" in page.text and "出错概率" in page.text
    queued = _estimates(page.text)
    assert queued and queued == sorted(queued, reverse=True) and min(queued) >= 100 * MIN_ESTIMATE
    persons = _sql(warehouse, "SELECT count(DISTINCT person_id) FROM person_registry")[0][0]
    in_budget = int(re.search(r"复核队列（(\d+)）", page.text).group(1))
    assert in_budget <= math.ceil(DEFAULT_BUDGET * persons / 1000)
    below_total = int(re.search(r"预算外（(\d+)）", page.text).group(1))
    stored = _sql(warehouse, "SELECT count(*) FROM review_candidates")[0][0]
    assert in_budget + below_total == stored
    below = client.get("/queue?tab=below")
    assert "预算外共" in below.text and "下一页" in below.text
    rest = _estimates(below.text)
    assert rest == sorted(rest, reverse=True) and max(rest) <= min(queued)
    second = client.get("/queue?tab=below&page=2")
    assert "第 2 /" in second.text and "上一页" in second.text and _estimates(second.text)[0] <= rest[-1]
    filtered = client.get("/queue?tab=below&reason=name_dob_only")
    assert "仅凭姓名和生日合并" in filtered.text and "低分关联</span>" not in filtered.text


def test_settled_items_leave_the_queue(client: TestClient, warehouse: Path) -> None:
    token = _login(client, STEWARD)
    first_item = re.search(r'href="/persons/(P\d+)\?with=(P\d+)"', client.get("/queue").text)
    assert first_item, "the generated data should give a pair likely to be one person"
    a, b = first_item.groups()
    uid_a = _sql(warehouse, f"SELECT min(record_uid) FROM person_registry WHERE person_id = '{a}'")[0][0]
    uid_b = _sql(warehouse, f"SELECT min(record_uid) FROM person_registry WHERE person_id = '{b}'")[0][0]
    client.post("/actions/different", data={"record_uid": [uid_a, uid_b], "csrf_token": token})
    assert f"/persons/{a}?with={b}" not in client.get("/queue").text


def test_alike_items_are_settled_in_one_action_and_undone_as_a_batch(client: TestClient, warehouse: Path) -> None:
    token = _login(client, STEWARD)
    groups = client.get("/queue/groups?tab=below").text
    form = re.search(
        r'name="pattern" value="(pair:[^"]+)">\s*<input type="hidden" name="district" value="([^"]*)">'
        r'\s*<input type="hidden" name="tab" value="below">\s*<input type="hidden" name="version" value="([^"]+)">',
        groups,
    )
    assert form, "the generated data should give a group of alike pairs below the cut"
    pattern, district, version = form.groups()
    size = len(
        re.findall(
            r'href="/persons/P\d+\?with=P\d+"',
            client.get("/queue", params={"tab": "below", "pattern": pattern, "district": district}).text,
        )
    )
    data = {"csrf_token": token, "action": "different", "pattern": pattern, "district": district, "tab": "below"}
    stale = client.post("/actions/bulk", data=data | {"version": "an-older-warehouse"})
    assert stale.status_code == 400 and "数仓已更新" in stale.text
    response = client.post("/actions/bulk", data=data | {"version": version})
    assert response.status_code == 303 and "done=" in response.headers["location"]
    decisions = _decisions(warehouse)
    assert decisions.height >= min(size, 5) and decisions["batch_id"].n_unique() == 1
    first = decisions.row(0, named=True)
    assert first["action"] == "different" and first["other_record_uids"] and len(first["person_ids"]) == 2
    owners = dict(_sql(warehouse, "SELECT record_uid, person_id FROM person_registry"))
    assert {owners[u] for u in first["record_uids"]} == {first["person_ids"][0]}
    assert {owners[u] for u in first["other_record_uids"]} == {first["person_ids"][1]}
    after = client.get("/queue/groups?tab=below").text
    assert f'value="{pattern}">\n        <input type="hidden" name="district" value="{district}"' not in after
    batch = int(first["batch_id"])
    page = client.get("/decisions").text
    assert f"撤销整批 {batch}" in page
    client.post("/actions/undo-batch", data={"batch_id": str(batch), "csrf_token": token})
    decisions = _decisions(warehouse)
    assert active(decisions).is_empty() and (decisions["action"] == "undo").sum() == decisions.height // 2
    again = client.post("/actions/undo-batch", data={"batch_id": str(batch), "csrf_token": token})
    assert again.status_code == 400


def test_viewers_see_groups_without_bulk_actions(client: TestClient) -> None:
    _login(client, VIEWER)
    page = client.get("/queue/groups?tab=below")
    assert page.status_code == 200 and "批量处理相似项" in page.text and 'action="/actions/bulk"' not in page.text


def test_decisions_against_the_model_are_shown_per_comparison(client: TestClient, warehouse: Path) -> None:
    token = _login(client, STEWARD)
    assert "还没有涉及不同证据组的决定" in client.get("/decisions/model").text
    # The top pair of the queue: linked below the threshold, a steward says they are one person.
    a, b = re.search(r'href="/persons/(P\d+)\?with=(P\d+)"', client.get("/queue").text).groups()
    client.post("/actions/merge", data={"person_id": [a, b], "csrf_token": token})
    page = client.get("/decisions/model").text
    assert "各比较项" in page and "模型不同意的决定" in page and "是同一人" in page
    assert re.search(r"模型与其中 <strong>0</strong> 对一致", page)
    # Splitting a person the model joined: the comparisons that joined it now speak against a decision.
    _, first, _ = _person_with_groups(warehouse)
    client.post("/actions/split", data={"record_uid": first, "csrf_token": token})
    page = client.get("/decisions/model").text
    assert "是不同的人" in page
    against = re.findall(r'<tr class="comparison is-against">\s*<td>([^<]+)</td>', page)
    assert "姓名" in against


def test_person_page_shows_records_side_by_side_with_raw_values_and_explanations(
    client: TestClient, warehouse: Path
) -> None:
    _login(client, STEWARD)
    queue = client.get("/queue").text
    link = re.search(r'href="(/persons/P\d+\?with=P\d+)"', queue).group(1)
    page = client.get(link)
    assert page.status_code == 200
    text = page.text
    for heading in ("记录对照", "黄金记录", "记录对的匹配解释", "编号历史", "数据管理员的决定"):
        assert heading in text
    assert 'title="原始值：' in text
    assert "<svg" in text and "先验" in text and "合计" in text and "姓名" in text
    assert 'id="merge"' in text and 'formaction="/actions/split"' in text and "csrf_token" in text
    assert "下一次夜间运行" in text
    assert "新建" in text  # the id history of the first run


def test_unknown_person_is_not_found_and_search_finds_persons(client: TestClient, warehouse: Path) -> None:
    token = _login(client, VIEWER)
    assert client.get("/persons/P9999999999").status_code == 404
    person, uid, name = _sql(
        warehouse,
        "SELECT p.person_id, r.record_key, r.name FROM person_registry p JOIN records r USING (record_uid) "
        "WHERE r.name IS NOT NULL ORDER BY 1 LIMIT 1",
    )[0]
    assert client.post("/search", data={"q": person, "csrf_token": token}).headers["location"] == f"/persons/{person}"
    assert person in client.post("/search", data={"q": name, "csrf_token": token}).text
    assert person in client.post("/search", data={"q": uid, "csrf_token": token}).text
    assert client.post("/search", data={"q": name, "csrf_token": "forged"}).status_code == 403


# --- command line ---------------------------------------------------------------------------


def test_users_add_reads_the_password_from_stdin(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "w.duckdb"
    shutil.copy(published, copy)

    def add(username: str, role: str, password: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
        args = ["users", "add", "--warehouse", str(copy), "--username", username, "--role", role, "--password-stdin"]
        return main(args)

    assert add("carol", "viewer", "amber-kite-harbour") == 0
    assert "已添加用户 carol" in capsys.readouterr().out
    assert authenticate(DecisionStore(copy), "carol", "amber-kite-harbour") is not None
    assert add("carol", "viewer", "amber-kite-harbour") == 1
    assert "已存在" in capsys.readouterr().err
    assert add("dave", "steward", "short") == 1
    assert "至少 12 个字符" in capsys.readouterr().err
    assert add("erin", "admin", "password1234") == 1
    assert "常见密码" in capsys.readouterr().err
    assert add("erin", "admin", "erin-is-the-admin") == 1
    assert "用户名" in capsys.readouterr().err
    assert add("erin", "admin", "slate-river-otter") == 0


def test_console_refuses_to_start_without_a_secret(
    published: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("RETURNEES_CONSOLE_SECRET", raising=False)
    assert main(["console", "--warehouse", str(published), "--port", "1"]) == 2
    assert capsys.readouterr().err.strip() == "未设置环境变量 RETURNEES_CONSOLE_SECRET，控制台拒绝启动"
    monkeypatch.setenv("RETURNEES_CONSOLE_SECRET", "short")
    assert main(["console", "--warehouse", str(published), "--port", "1"]) == 2
    assert "太短" in capsys.readouterr().err


def test_queue_command_prints_the_open_queue(published: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["queue", "--warehouse", str(published), "--format", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and all(r["in_budget"] for r in rows)
    for row in rows:
        assert isinstance(row["person_ids"], list) and row["person_ids"]
        assert isinstance(row["reasons"], list) and row["reasons"] and 0.0 <= row["estimate"] <= 1.0
    assert [r["estimate"] for r in rows] == sorted((r["estimate"] for r in rows), reverse=True)
    assert (
        main(["queue", "--warehouse", str(published), "--format", "jsonl", "--all", "--limit", str(len(rows) + 2)]) == 0
    )
    more = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert more[: len(rows)] == rows and len(more) == len(rows) + 2 and not more[-1]["in_budget"]
    assert main(["queue", "--warehouse", str(published)]) == 0
    table = capsys.readouterr()
    assert len(table.out.splitlines()) == len(rows) and f"预算内 {len(rows)} 项" in table.err
    assert main(["queue", "--warehouse", str(published.with_name("missing.duckdb"))]) == 1
    assert "数仓文件不存在" in capsys.readouterr().err
