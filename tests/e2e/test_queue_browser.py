"""In headless Chromium: the ranked, budgeted review queue, the second tab, a bulk action and its undo.

Uses the console fixtures of test_console_browser (a private copy of the shared published
warehouse with a steward, served by uvicorn on a free port); module-scoped, so this module
gets its own copy.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from shared_runs import ROOT

from e2e.test_console_browser import CHROMIUM, CHROMIUM_ARGS, STEWARD, console_url, landing_and_warehouse

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian 的 chromium 未安装（/usr/bin/chromium 不存在）")

__all__ = ["console_url", "landing_and_warehouse"]  # the fixtures this module uses


def _percent(text: str) -> float:
    return float(text.strip().rstrip("%"))


def _queue_jsonl(warehouse: Path) -> list[dict]:
    result = subprocess.run(
        [sys.executable, "-m", "returnees.cli", "queue", "--warehouse", str(warehouse), "--format", "jsonl"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_steward_works_the_ranked_queue_and_settles_alike_items_at_once(
    landing_and_warehouse: tuple[Path, Path], console_url: str
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _, warehouse = landing_and_warehouse
    listed = _queue_jsonl(warehouse)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 900}, locale="zh-CN")
        page.goto(f"{console_url}/login")
        page.fill("input[name=username]", STEWARD[0])
        page.fill("input[name=password]", STEWARD[1])
        page.click("button.primary")

        # The queue: most likely wrong first, within the budget, the same list `returnees queue` prints.
        expect(page.locator("h1")).to_contain_text("复核队列")
        expect(page.locator("p.meta")).to_contain_text("每千名人员 15 项")
        estimates = [_percent(t) for t in page.locator("table.queue td.estimate").all_inner_texts()]
        assert estimates and estimates == sorted(estimates, reverse=True)
        assert len(estimates) == min(len(listed), 25)
        first_link = page.locator("table.queue tbody tr td a").first
        expect(first_link).to_have_text(" ↔ ".join(listed[0]["person_ids"]))

        # Below the cut: reachable in the second tab, every item less likely wrong than the queue's last.
        page.click("nav.tabs a:has-text('预算外')")
        expect(page.locator("h1")).to_contain_text("预算外")
        below = [_percent(t) for t in page.locator("table.queue td.estimate").all_inner_texts()]
        assert below and max(below) <= min(estimates)

        # Bulk: the largest group of alike pairs below the cut, all marked as different people at once.
        page.click("nav.tabs a:has-text('批量处理相似项')")
        page.click("a:has-text('改看预算外的项')")
        group = page.locator("table.groups tr.group", has=page.locator("button[value=different]")).first
        size = int(group.locator("td.num").first.inner_text())
        group.locator("button[value=different]").click()
        expect(page.locator(".flash")).to_contain_text("已记录批次")

        # Where these decisions and the model part ways, per comparison.
        page.click("header nav a:has-text('决定与模型')")
        expect(page.locator("h1")).to_contain_text("决定与模型")
        assert re.search(r"决定涉及 \d+ 对证据组", page.locator("main").inner_text())
        expect(page.locator("table.agreement")).to_contain_text("姓名")

        # Each item is its own decision in one batch; the batch is undone in one click.
        page.click("header nav a:has-text('决定记录')")
        rows = page.locator("table.decisions tbody tr")
        expect(rows).to_have_count(min(size, 25))
        expect(rows.first).to_contain_text("标记为不同的人")
        page.locator("button:has-text('撤销整批')").first.click()
        expect(page.locator("table.decisions tbody tr").first).to_contain_text("撤销")
        expect(page.locator("button:has-text('撤销整批')")).to_have_count(0)
        browser.close()
