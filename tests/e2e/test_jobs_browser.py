"""Job matching in headless Chromium: a viewer finds an opening, its candidates with masked contact data,
follows a candidate to the person page and sees the person's openings with reasons."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from shared_runs import PublishedRun

from console.app import create_app
from console.store import DecisionStore
from console.users import add_user
from e2e.browser import CHROMIUM, CHROMIUM_ARGS, needs_chromium, serve

SECRET = "e2e-jobs-secret-" + "z" * 24
VIEWER = ("reader", "Jialing-River-2031!")

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, published_run: PublishedRun) -> Path:
    """A private copy of the shared published warehouse, with a viewer."""
    copy = tmp_path_factory.mktemp("jobs_browser") / "warehouse.duckdb"
    shutil.copy(published_run.warehouse, copy)
    add_user(DecisionStore(copy), VIEWER[0], VIEWER[1], "viewer")
    return copy


@pytest.fixture(scope="module")
def console_url(warehouse: Path) -> Iterator[str]:
    with serve(create_app(warehouse, SECRET)) as url:
        yield url


def test_viewer_sees_candidates_masked_and_the_persons_openings(warehouse: Path, console_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with duckdb.connect(str(warehouse), read_only=True) as con:
        posting, person, mobile = con.execute(
            """
            SELECT m.posting_id, m.person_id, d.mobile FROM job_match m JOIN restricted.dim_person d USING (person_id)
            WHERE m.rank_for_posting = 1 AND d.mobile IS NOT NULL ORDER BY m.posting_id LIMIT 1
            """
        ).fetchone()
        unmet = con.execute(
            "SELECT posting_id FROM restricted.job_posting j WHERE status = 'open'"
            " AND NOT EXISTS (SELECT 1 FROM job_match m WHERE m.posting_id = j.posting_id) ORDER BY 1 LIMIT 1"
        ).fetchone()[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        page.goto(f"{console_url}/postings")
        page.fill("input[name=username]", VIEWER[0])
        page.fill("input[name=password]", VIEWER[1])
        page.click("button.primary")
        expect(page.locator("h1")).to_contain_text("岗位匹配")

        # The unmet demand filter lists a posting nobody meets.
        page.check("input[name=unmet]")
        page.click("form.inline button[type=submit]")
        expect(page.locator("table.postings")).to_contain_text(unmet)

        # A posting: its requirements as read, the candidates best first, contact data masked for a viewer.
        page.goto(f"{console_url}/postings/{posting}")
        expect(page.locator("h1")).to_contain_text(posting)
        expect(page.locator("table.kv").nth(1)).to_contain_text("学历")
        first = page.locator("table.candidates tbody tr").first
        expect(first).to_contain_text(person)
        expect(first.locator("td.contact").first).to_have_text(re.compile(r"^\d{3}\*{4}\d{4}$"))
        expect(page.locator("table.candidates")).not_to_contain_text(mobile)
        expect(first.locator("td.reasons")).not_to_be_empty()

        # The person page lists the opening where this person ranks first, with the reasons.
        first.locator("a").first.click()
        expect(page.locator("h1")).to_contain_text(person)
        openings = page.locator("table.openings")
        expect(openings).to_contain_text("1 / ")
        expect(openings.locator(f"a[href='/postings/{posting}']")).to_be_visible()
        browser.close()
