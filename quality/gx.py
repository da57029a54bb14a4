"""Great Expectations, imported lazily: validate pandas batches made from polars frames, build Data Docs.

GE 1.x validates pandas frames only, so each validation frame is converted with `to_pandas()`.
Every GE call goes through a `GxSession` (one ephemeral context, no progress bars). Sessions live
in the GE worker process (`quality.gx_worker`); the pipeline reaches them through `gx_session()`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import polars as pl

from quality.rules import Rule, Severity

# Heavy per-row lists are dropped from the stored result; failing row ids are kept elsewhere.
HEAVY_RESULT_KEYS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query")
DOCS_SITE = "returnees"
# Counts and a few unexpected values for every rule; row ids only for the rules that found some.
COUNTS = {"result_format": "BASIC", "partial_unexpected_count": 20}
ROW_IDS = {"result_format": "COMPLETE", "partial_unexpected_count": 20}


def load_gx() -> tuple[ModuleType, float]:
    """`great_expectations` and the seconds its import took now (0 when already imported)."""
    started = time.perf_counter()
    fresh = "great_expectations" not in sys.modules
    with warnings.catch_warnings():
        # GE's file connectors import the stdlib's deprecated `sre_constants` / `sre_parse` modules.
        warnings.filterwarnings("ignore", message=r"module 'sre_\w+' is deprecated", category=DeprecationWarning)
        import great_expectations
    # GE sets one of its loggers to INFO at import; its notes are not for the operator.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    return great_expectations, (time.perf_counter() - started) if fresh else 0.0


@dataclass
class Outcome:
    """One expectation's result on one batch."""

    rule: Rule
    success: bool | None  # None: GE raised while evaluating it
    element_count: int | None
    unexpected_count: int | None
    unexpected_percent: float | None
    failed_ids: list[Any]  # every failing row's id
    error: str | None = None


@dataclass
class SuiteValidation:
    """A suite's outcomes on one batch and the GE result as JSON (for Data Docs)."""

    suite: str
    batch: str
    outcomes: list[Outcome]
    result_json: str


def _error(info: dict[str, Any] | None) -> str | None:
    """The exception message GE recorded, if any (flat or keyed by metric)."""
    if not info:
        return None
    entries = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    raised = [e for e in entries if e.get("raised_exception")]
    return (raised[0].get("exception_message") or "GE 计算出错") if raised else None


def _plain(value: Any) -> Any:
    """numpy scalars as Python values."""
    return value.item() if hasattr(value, "item") else value


class GxSession:
    """An ephemeral GE context with its suites and batch definitions."""

    def __init__(self) -> None:
        self._gx, _ = load_gx()
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.context = self._gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._source = self.context.data_sources.add_pandas("returnees")
        self._suites: dict[str, Any] = {}
        self._batch_definitions: dict[str, Any] = {}

    def _expectations(self, rules: list[Rule]) -> list[Any]:
        import great_expectations.expectations as gxe

        return [
            getattr(gxe, r.expectation)(
                **r.kwargs,
                description=r.title,
                severity="warning" if r.severity is Severity.WARN else "critical",
                meta={"rule": r.name, "severity": r.severity.value},
                catch_exceptions=True,
            )
            for r in rules
        ]

    def _suite(self, name: str, rules: list[Rule]) -> Any:
        if name not in self._suites:
            suite = self._gx.ExpectationSuite(name=name, expectations=self._expectations(rules))
            self._suites[name] = self.context.suites.add(suite)
        return self._suites[name]

    def validate(
        self, frame: pl.DataFrame, rules: list[Rule], suite: str, batch: str, id_column: str
    ) -> SuiteValidation:
        """Validate `frame` against `rules`, listing every failing row by its `id_column` value.

        All rules are validated with BASIC results (counts); only rules with unexpected rows are
        validated again with COMPLETE results for their row ids, which cost GE about as much again.
        """
        if suite not in self._batch_definitions:
            asset = self._source.add_dataframe_asset(name=suite)
            self._batch_definitions[suite] = asset.add_batch_definition_whole_dataframe("whole")
        gx_batch = self._batch_definitions[suite].get_batch(batch_parameters={"dataframe": frame.to_pandas()})
        result = gx_batch.validate(self._suite(suite, rules), result_format=COUNTS)
        by_name = {r.name: r for r in rules}
        failing = [
            by_name[item.expectation_config.meta["rule"]]
            for item in result.results
            if (item.result or {}).get("unexpected_count") and not _error(item.exception_info)
        ]
        if failing:
            # GE lets an expectation belong to one suite only: the second pass uses unsaved copies
            # (no expectation id in their results; Data Docs render them the same).
            detail = gx_batch.validate(
                self._gx.ExpectationSuite(name=suite, expectations=self._expectations(failing)),
                result_format={**ROW_IDS, "unexpected_index_column_names": [id_column]},
            )
            detailed = {item.expectation_config.meta["rule"]: item for item in detail.results}
            result.results = [detailed.get(item.expectation_config.meta["rule"], item) for item in result.results]
        outcomes = []
        for item in result.results:
            rule = by_name[item.expectation_config.meta["rule"]]
            found = item.result or {}
            ids = found.get("unexpected_index_list") or []
            error = _error(item.exception_info)
            outcomes.append(
                Outcome(
                    rule=rule,
                    success=None if error else bool(item.success),
                    element_count=found.get("element_count"),
                    unexpected_count=found.get("unexpected_count"),
                    unexpected_percent=found.get("unexpected_percent"),
                    failed_ids=[_plain(i[id_column]) for i in ids if isinstance(i, dict)],
                    error=error,
                )
            )
            for key in HEAVY_RESULT_KEYS:
                found.pop(key, None)
        outcomes.sort(key=lambda o: rules.index(o.rule))
        text = json.dumps(result.to_json_dict(), ensure_ascii=False, default=str)
        return SuiteValidation(suite, batch, outcomes, text)

    def build_data_docs(self, validations: list[tuple[str, str, str]], out_dir: Path, run_name: str) -> Path:
        """Render stored results `(suite, batch, result_json)` as a Data Docs site in `out_dir`.

        The site is built beside `out_dir` and swapped in, so it always shows exactly one run.
        """
        from great_expectations.core.expectation_validation_result import expectationSuiteValidationResultSchema
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
            ValidationResultIdentifier,
        )

        out_dir = out_dir.resolve()  # GE's site store takes absolute directories only
        staging = out_dir.with_name(out_dir.name + ".building")
        shutil.rmtree(staging, ignore_errors=True)
        self.context.add_data_docs_site(
            DOCS_SITE,
            {
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(staging)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        run_id = RunIdentifier(run_name=run_name, run_time=dt.datetime.now(dt.UTC))
        for suite, batch, text in validations:
            result = expectationSuiteValidationResultSchema.load(json.loads(text))
            result.meta |= {"run_id": run_id, "batch_kwargs": {"data_asset_name": batch}}
            key = ValidationResultIdentifier(ExpectationSuiteIdentifier(name=suite), run_id, batch)
            self.context.validation_results_store.set(key, result)
        self.context.build_data_docs(site_names=[DOCS_SITE])
        shutil.rmtree(out_dir, ignore_errors=True)
        staging.rename(out_dir)
        return out_dir / "index.html"
