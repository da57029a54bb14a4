"""End to end in headless Chromium: what a viewer reads reaches the administrator's access log,
five wrong passwords lock an account, an idle session is sent back to the login page."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest
from shared_runs import PublishedRun

from console.app import create_app
from console.security import SecurityPolicy
from console.store import DecisionStore
from console.users import add_user
from e2e.browser import CHROMIUM, CHROMIUM_ARGS, needs_chromium, serve

SECRET = "e2e-security-" + "w" * 24
STEWARD = ("steward", "copper-moth-lantern")
VIEWER = ("viewer", "amber-kite-harbour")
ADMIN = ("auditor", "slate-river-otter")

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, published_run: PublishedRun) -> Path:
    """A private copy of the first published warehouse with a steward, a viewer and an administrator."""
    copy = tmp_path_factory.mktemp("security-browser") / "warehouse.duckdb"
    shutil.copy(published_run.warehouse, copy)
    for (name, password), role in ((STEWARD, "steward"), (VIEWER, "viewer"), (ADMIN, "admin")):
        add_user(DecisionStore(copy), name, password, role)
    return copy


@pytest.fixture(scope="module")
def console_url(warehouse: Path) -> Iterator[str]:
    with serve(create_app(warehouse, SECRET)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _log_in(page: Page, url: str, user: tuple[str, str]) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", user[0])
    page.fill("input[name=password]", user[1])
    page.click("button.primary")


def _person_with_name(warehouse: Path) -> tuple[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "SELECT p.person_id, r.name FROM person_registry p JOIN records r USING (record_uid)"
            " WHERE length(r.name) = 3 ORDER BY 1 LIMIT 1"
        ).fetchall()[0]


def test_what_a_viewer_reads_is_in_the_administrators_access_log(
    browser: Browser, console_url: str, warehouse: Path
) -> None:
    from playwright.sync_api import expect

    person, name = _person_with_name(warehouse)
    viewer = browser.new_context(locale="zh-CN").new_page()
    _log_in(viewer, console_url, VIEWER)
    expect(viewer.locator("h1")).to_contain_text("复核队列")
    viewer.goto(f"{console_url}/persons/{person}")
    expect(viewer.locator("table.records thead")).to_contain_text(person)
    viewer.fill("form.search input[name=q]", name)
    viewer.click("form.search button")
    expect(viewer.locator("h1")).to_contain_text("搜索")
    expect(viewer.locator("main table")).to_contain_text(person)
    assert name not in viewer.url  # the term was posted, not put in the address

    admin = browser.new_context(locale="zh-CN").new_page()
    _log_in(admin, console_url, ADMIN)
    admin.click("header a:has-text('访问日志')")
    admin.click("#verify")
    expect(admin.locator(".chain")).to_contain_text("哈希链完整")
    admin.fill("form.filters input[name=user]", VIEWER[0])
    admin.click("form.filters button[type=submit]")
    rows = admin.locator("table.access-log tbody tr")
    viewed = rows.filter(has_text="查看人员").filter(has_text=person)
    expect(viewed).to_have_count(1)
    expect(viewed).to_contain_text("允许")
    searched = rows.filter(has_text="搜索").filter(has_text=name[0] + "**")
    expect(searched).to_contain_text("按姓名搜索")
    expect(admin.locator("table.access-log")).not_to_contain_text(name)
    viewer.context.close()
    admin.context.close()


def test_five_wrong_passwords_lock_the_account_until_an_administrator_lifts_it(
    browser: Browser,
    console_url: str,
) -> None:
    from playwright.sync_api import expect

    page = browser.new_context(locale="zh-CN").new_page()
    for attempt in range(1, 6):
        _log_in(page, console_url, (STEWARD[0], f"wrong-password-{attempt}"))
        expected = "已暂时锁定" if attempt == 5 else "用户名或密码错误"
        expect(page.locator("[role=alert]")).to_contain_text(expected)
    _log_in(page, console_url, STEWARD)
    expect(page.locator("[role=alert]")).to_contain_text("已暂时锁定")
    expect(page).to_have_url(re.compile(r"/login$"))

    admin = browser.new_context(locale="zh-CN").new_page()
    _log_in(admin, console_url, ADMIN)
    admin.goto(f"{console_url}/admin/users")
    row = admin.locator("#u-steward")
    expect(row).to_contain_text("锁定至")
    admin.goto(f"{console_url}/admin/access-log?user=steward")
    expect(admin.locator("table.access-log tbody tr").filter(has_text="账号锁定")).to_have_count(1)
    expect(admin.locator("table.access-log tbody tr").filter(has_text="已锁定")).to_have_count(2)
    admin.goto(f"{console_url}/admin/users")
    row.get_by_role("button", name="解除锁定").click()
    expect(admin.locator(".flash")).to_contain_text("已解除 steward 的锁定")
    expect(row).to_contain_text("正常")

    _log_in(page, console_url, STEWARD)
    expect(page.locator("h1")).to_contain_text("复核队列")
    page.context.close()
    admin.context.close()


def test_an_idle_session_is_sent_back_to_login(browser: Browser, warehouse: Path) -> None:
    from playwright.sync_api import expect

    impatient = SecurityPolicy(idle_timeout=timedelta(seconds=5))
    with serve(create_app(warehouse, SECRET, policy=impatient)) as url:
        page = browser.new_context(locale="zh-CN").new_page()
        _log_in(page, url, VIEWER)
        expect(page.locator("h1")).to_contain_text("复核队列")
        page.wait_for_timeout(6000)
        page.click("header a:has-text('决定记录')")
        expect(page).to_have_url(re.compile(r"/login\?expired=1&next=%2Fdecisions$"))
        expect(page.locator("[role=alert]")).to_contain_text("会话已超时")
        page.fill("input[name=username]", VIEWER[0])
        page.fill("input[name=password]", VIEWER[1])
        page.click("button.primary")
        expect(page.locator("h1")).to_contain_text("决定记录")
        page.context.close()
