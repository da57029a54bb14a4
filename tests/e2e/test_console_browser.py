"""End to end in headless Chromium: a steward splits and merges, the next run honours it.

Drives Debian's `chromium` (installed by `.ci/run`) through Playwright against the console
served by uvicorn on a free local port, over a warehouse published by a real run.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from shared_runs import PublishedRun, cli

from console.app import create_app
from console.store import DecisionStore
from console.users import add_user
from e2e.browser import CHROMIUM, CHROMIUM_ARGS, needs_chromium, serve

SECRET = "e2e-secret-" + "y" * 24
STEWARD = ("steward", "copper-moth-lantern")

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def landing_and_warehouse(tmp_path_factory: pytest.TempPathFactory, published_run: PublishedRun) -> tuple[Path, Path]:
    """The shared landing area and a private copy of its first warehouse, with a steward."""
    warehouse = tmp_path_factory.mktemp("browser") / "warehouse.duckdb"
    shutil.copy(published_run.warehouse, warehouse)
    add_user(DecisionStore(warehouse), STEWARD[0], STEWARD[1], "steward")
    return published_run.landing, warehouse


@pytest.fixture(scope="module")
def console_url(landing_and_warehouse: tuple[Path, Path]) -> Iterator[str]:
    """The console served by uvicorn in a thread on a free 127.0.0.1 port."""
    with serve(create_app(landing_and_warehouse[1], SECRET)) as url:
        yield url


def _split_target(warehouse: Path, avoid: set[str]) -> tuple[str, list[str], list[str]]:
    """A person of several evidence groups: its id, the records of one group, and the others."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            """
            SELECT p.person_id, c.det_group, list(p.record_uid ORDER BY p.record_uid)
            FROM person_registry p JOIN record_clusters c USING (record_uid)
            WHERE p.person_id IN (SELECT person_id FROM person_registry p2 JOIN record_clusters c2 USING (record_uid)
                                  GROUP BY person_id HAVING count(DISTINCT c2.det_group) >= 2)
            GROUP BY ALL ORDER BY p.person_id, c.det_group
            """
        ).fetchall()
    person = next(p for p, _, _ in rows if p not in avoid)
    groups = [uids for p, _, uids in rows if p == person]
    return person, groups[-1], [u for g in groups[:-1] for u in g]


def _xref(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(con.execute("SELECT source || ':' || record_key, person_id FROM person_xref").fetchall())


def test_steward_splits_and_merges_and_the_next_run_keeps_it(
    landing_and_warehouse: tuple[Path, Path], console_url: str
) -> None:
    from playwright.sync_api import expect, sync_playwright

    landing, warehouse = landing_and_warehouse
    before = _xref(warehouse)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")

        # An anonymous visitor lands on the login page and comes back to the queue.
        page.goto(f"{console_url}/queue")
        expect(page).to_have_url(re.compile(r"/login\?next="))
        page.fill("input[name=username]", STEWARD[0])
        page.fill("input[name=password]", STEWARD[1])
        page.click("button.primary")
        expect(page.locator("h1")).to_contain_text("复核队列")
        expect(page.locator("table.queue tbody tr").first).to_be_visible()

        # Merge: filter the queue to uncertain links, open the first pair, merge it.
        page.select_option("select[name=reason]", "uncertain_link")
        page.click("form.filters button[type=submit]")
        expect(page).to_have_url(re.compile(r"reason=uncertain_link"))
        page.locator("table.queue tbody tr td a").first.click()
        merged = re.search(r"/persons/(P\d+)\?with=(P\d+)", page.url).groups()
        expect(page.locator("h1")).to_contain_text("人员对比")
        page.locator("form[action='/actions/merge'] input[name=comment]").fill("同一人，证件号录入错误")
        page.click("#merge")
        expect(page.locator(".flash")).to_contain_text("合并人员")
        expect(page.locator("table.decisions")).to_contain_text("待下次运行生效")

        # Split: find the person through the search box, tick one evidence group, split it out.
        person, leaving, staying = _split_target(warehouse, set(merged))
        page.fill("form.search input[name=q]", person)
        page.click("form.search button")
        expect(page.locator("h1")).to_contain_text(person)
        for uid in leaving:
            page.check(f"input[name=record_uid][value='{uid}']")
        page.click("#split")
        expect(page.locator(".flash")).to_contain_text("拆分记录")

        # The nightly run picks the decisions up.
        cli("run", "--landing", str(landing), "--warehouse", str(warehouse))
        after = _xref(warehouse)
        merged_records = [uid for uid, pid in before.items() if pid in merged]
        assert len({after[uid] for uid in merged_records}) == 1
        assert {after[uid] for uid in leaving}.isdisjoint(after[uid] for uid in staying)
        assert len({after[uid] for uid in leaving}) == 1

        # ... and the pages show them in force, with the id history they caused.
        survivor = after[merged_records[0]]
        page.goto(f"{console_url}/persons/{survivor}")
        expect(page.locator("table.records thead")).to_contain_text(survivor)
        expect(page.locator("table.decisions")).to_contain_text("合并人员")
        expect(page.locator("table.decisions")).to_contain_text("生效中")
        expect(page.locator("table.decisions")).not_to_contain_text("待下次运行生效")
        expect(page.locator("table.history")).to_contain_text("合并")
        page.goto(f"{console_url}/persons/{after[leaving[0]]}")
        expect(page.locator("table.decisions")).to_contain_text("拆分记录")
        expect(page.locator("table.history")).to_contain_text("拆分")
        page.goto(f"{console_url}/queue?reason=uncertain_link")
        expect(page.locator("main")).not_to_contain_text(f"{merged[0]} ↔ {merged[1]}")
        browser.close()
