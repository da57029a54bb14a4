"""The Great Expectations worker process: validations, row ids, errors, a dead worker, Data Docs."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from quality import gx_worker
from quality.gx_worker import GxWorkerError, gx_session
from quality.rules import Rule, Severity

REQUIRED = Rule(
    "required:name", "姓名不得为空", Severity.BLOCK_ROWS, "rows", "ExpectColumnValuesToNotBeNull", {"column": "name"}
)
YEAR = Rule(
    "birth_plausible:dob",
    "出生年份须在 1930–2010 之间",
    Severity.WARN,
    "rows",
    "ExpectColumnValuesToBeBetween",
    {"column": "year", "min_value": 1930, "max_value": 2010},
)
CODE = Rule(
    "enum:code",
    "取值须在契约枚举内",
    Severity.BLOCK_ROWS,
    "rows",
    "ExpectColumnValuesToBeInSet",
    {"column": "code", "value_set": ["A"]},
)


def _frame(rows: int, missing_names: set[int], odd_years: set[int]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "line_no": range(2, rows + 2),
            "name": [None if i in missing_names else f"人{i}" for i in range(rows)],
            "year": [1900 if i in odd_years else 1980 for i in range(rows)],
        }
    )


def test_every_failing_row_of_a_failing_rule_is_listed() -> None:
    # More failing rows than GE's partial lists hold (20): the blocking rule must list them all.
    missing = set(range(0, 300, 3))
    with gx_session() as session:
        validation = session.validate(_frame(300, missing, {7}), [REQUIRED, YEAR], "t.rows", "b", "line_no")
    required, year = validation.outcomes
    assert (required.success, required.unexpected_count, required.element_count) == (False, 100, 300)
    assert sorted(required.failed_ids) == sorted(i + 2 for i in missing)
    assert (year.success, year.unexpected_count, year.failed_ids) == (False, 1, [9])
    stored = json.loads(validation.result_json)
    assert [r["expectation_config"]["meta"]["rule"] for r in stored["results"]] == [REQUIRED.name, YEAR.name]
    assert all("unexpected_index_list" not in r["result"] for r in stored["results"])  # kept out of the JSON


def test_passing_rules_have_counts_and_no_ids() -> None:
    with gx_session() as session:
        (required,) = session.validate(_frame(50, set(), set()), [REQUIRED], "t.rows", "b", "line_no").outcomes
    assert (required.success, required.unexpected_count, required.element_count, required.failed_ids) == (
        True,
        0,
        50,
        [],
    )


def test_a_rule_ge_cannot_evaluate_is_an_error_not_a_pass() -> None:
    # `code` is not a column of the frame: GE records the exception, the session reports it.
    with gx_session() as session:
        (code,) = session.validate(_frame(5, set(), set()), [CODE], "t.rows", "b", "line_no").outcomes
    assert code.success is None
    assert code.error


def test_a_failed_request_raises_in_the_caller_with_the_workers_traceback() -> None:
    bad = Rule("x", "x", Severity.WARN, "rows", "ExpectNoSuchThing", {"column": "name"})
    with gx_session() as session, pytest.raises(GxWorkerError, match="ExpectNoSuchThing"):
        session.validate(_frame(5, set(), set()), [bad], "t.rows", "b", "line_no")
    with gx_session() as session:  # the worker still serves
        assert session.validate(_frame(5, set(), set()), [REQUIRED], "t.rows", "b", "line_no").outcomes[0].success


def test_a_dead_worker_is_reported_and_replaced() -> None:
    session = gx_session()
    worker = gx_worker._shared_worker()
    worker.process.kill()
    with pytest.raises(GxWorkerError, match="已退出"):
        session.validate(_frame(5, set(), set()), [REQUIRED], "t.rows", "b", "line_no")
    session.close()  # nothing to close any more, and no second error
    with gx_session() as fresh:
        assert fresh.import_seconds > 0  # a new worker imported GE again
        assert fresh.validate(_frame(5, set(), set()), [REQUIRED], "t.rows", "b", "line_no").outcomes[0].success
    assert gx_worker._shared_worker() is not worker


class _InterruptedOnce:
    """A reply pipe whose first `recv` is interrupted, as by Ctrl-C between request and reply."""

    def __init__(self, replies: object) -> None:
        self._replies = replies
        self.interrupted = False

    def recv(self) -> object:
        if not self.interrupted:
            self.interrupted = True
            raise KeyboardInterrupt
        return self._replies.recv()

    def close(self) -> None:
        self._replies.close()


def test_an_interrupted_call_never_hands_its_reply_to_the_next_one() -> None:
    session = gx_session()
    worker = gx_worker._shared_worker()
    worker._replies = _InterruptedOnce(worker._replies)
    with pytest.raises(KeyboardInterrupt):
        session.validate(_frame(30, {0, 1}, set()), [REQUIRED], "t.rows", "first", "line_no")
    assert not worker.alive
    with gx_session() as fresh:
        later = fresh.validate(_frame(30, {5}, set()), [REQUIRED], "t.rows", "second", "line_no")
    assert (later.batch, later.outcomes[0].failed_ids) == ("second", [7])


def test_counts_and_row_ids_of_every_kind_of_rule() -> None:
    frame = pl.DataFrame(
        {
            "line_no": range(2, 202),
            "status": ["有效" if i % 50 else "校验位错误" for i in range(200)],
            "returned": [None if i == 3 else (i - 1 if i % 40 == 0 else i) for i in range(200)],
            "departed": list(range(200)),
        }
    )
    mostly = Rule(
        "id_checksum:id_number",
        "校验通过率",
        Severity.WARN,
        "rows",
        "ExpectColumnValuesToBeInSet",
        {"column": "status", "value_set": ["有效"], "mostly": 0.95},
    )
    pair = Rule(
        "return_after_departure",
        "回国不早于出国",
        Severity.WARN,
        "rows",
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {"column_A": "returned", "column_B": "departed", "or_equal": True, "ignore_row_if": "either_value_is_missing"},
    )
    missing = Rule(
        "required:nope", "不存在的列", Severity.BLOCK_ROWS, "rows", "ExpectColumnValuesToNotBeNull", {"column": "nope"}
    )
    rows = Rule(
        "row_count",
        "行数",
        Severity.WARN,
        "rows",
        "ExpectTableRowCountToBeBetween",
        {"min_value": 1000},
    )
    with gx_session() as session:
        validation = session.validate(frame, [mostly, pair, missing, rows], "t.rows", "b", "line_no")
    by_rule = {o.rule.name: o for o in validation.outcomes}
    # Passes (4 of 200 < 5 %) but its failing rows are still listed, for the samples.
    assert by_rule[mostly.name].success and by_rule[mostly.name].failed_ids == [2, 52, 102, 152]
    assert not by_rule[pair.name].success and by_rule[pair.name].failed_ids == [2, 42, 82, 122, 162]
    assert by_rule[missing.name].success is None and by_rule[missing.name].failed_ids == []
    assert by_rule[rows.name].success is False and by_rule[rows.name].unexpected_count is None
    stored = json.loads(validation.result_json)
    assert stored["statistics"]["successful_expectations"] == sum(r["success"] for r in stored["results"]) == 1


def test_a_prestarted_worker_reports_its_import_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gx_worker, "_worker", None)  # as in a fresh process
    gx_worker.prestart()
    with gx_session() as first, gx_session() as second:
        assert first.import_seconds > 0.5  # GE's import, measured in the worker
        assert second.import_seconds == 0.0


def test_data_docs_are_built_by_the_worker(tmp_path: Path) -> None:
    with gx_session() as session:
        validation = session.validate(_frame(30, {1}, set()), [REQUIRED], "t.rows", "src__d__f.csv", "line_no")
        index = session.build_data_docs(
            [(validation.suite, validation.batch, validation.result_json)], tmp_path / "docs", "run-1"
        )
    assert index == (tmp_path / "docs" / "index.html").resolve()
    pages = list((tmp_path / "docs" / "validations").rglob("*.html"))
    assert len(pages) == 1 and "src__d__f.csv" in pages[0].name
    assert "姓名不得为空" in pages[0].read_text(encoding="utf-8")


def test_the_worker_runs_this_package_whatever_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoy = tmp_path / "quality"
    decoy.mkdir()
    (decoy / "__init__.py").write_text("")
    (decoy / "gx_worker.py").write_text("raise SystemExit(3)\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(gx_worker, "_worker", None)  # a worker started from here
    with gx_session() as session:
        assert session.validate(_frame(5, set(), set()), [REQUIRED], "t.rows", "b", "line_no").outcomes[0].success
