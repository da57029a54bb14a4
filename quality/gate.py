"""The quality gate of one source's ingest, run on its bronze frames before they are written.

For each delivered file of the source's current deliveries:
1. results stored by the last published warehouse are reused when the file (sha256) and the rules
   are unchanged; otherwise the file is validated with Great Expectations;
2. a failing `reject_delivery` rule rejects the whole delivery: the source is read again without
   it, so its previous valid delivery stays current (and is itself checked);
3. rows failing a `block_rows` rule leave bronze for the quarantine, the rule's name as reason.

A re-delivered snapshot's rows that bronze already holds unchanged (`unchanged`, see
warehouse/store/bronze.py) passed the same row rules before: when the file's last results were
computed under the current rules, only its new and changed rows are validated again. The file's
delivery rules (headers, row counts) always see the whole file.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import polars as pl

from quality.gx import Outcome, SuiteValidation
from quality.gx_worker import RemoteGxSession, gx_session
from quality.prepare import ROW_ID, delivery_frame, row_samples, rows_frame
from quality.results import RESULT_SCHEMA, VALIDATION_SCHEMA, previous_file_rows, previous_results, replace_results
from quality.rules import (
    DELIVERY_SUITE,
    INGEST_RULE,
    ROWS_SUITE,
    QualityConfig,
    Severity,
    default_config,
    delivery_rules,
    row_rules,
    rules_version,
)
from sources.contract import FileSpec, SourceSpec
from sources.deliveries import Delivery, discover
from sources.ingest import QUARANTINE_COLUMNS, DeliveryOutcome, DeliveryStatus, SourceLoad, load_source, table_name
from warehouse.store.previous import attach_previous

SCOPE = "delivery"


@dataclass(frozen=True)
class Batch:
    """One delivered file of a current delivery."""

    delivery_date: str
    file: str
    rows_read: int
    manifest_rows: int | None
    sha256: str | None


@dataclass
class GatedSource:
    """The source after the gate, and what the gate found (rows of the `quality_*` tables)."""

    load: SourceLoad
    results: pl.DataFrame
    validations: pl.DataFrame
    timings: pl.DataFrame


@dataclass
class _Context:
    spec: SourceSpec
    config: QualityConfig
    run_id: str
    previous_rows: pl.DataFrame
    unchanged: Mapping[str, pl.DataFrame]  # per bronze table: positions of rows validated before
    session: RemoteGxSession | None = None
    prepare_seconds: float = 0.0

    def gx(self) -> RemoteGxSession:
        if self.session is None:
            self.session = gx_session()
        return self.session


def _manifests(landing: Path, spec: SourceSpec) -> dict[tuple[str, str], tuple[int, str]]:
    """(delivery date, file) → (manifest rows, sha256) for every complete delivery of the source."""
    found = discover(landing, {spec.name: spec})
    return {(d.delivery_date, f.name): (f.rows, f.sha256) for d in found if isinstance(d, Delivery) for f in d.files}


def _batches(load: SourceLoad, manifests: dict[tuple[str, str], tuple[int, str]]) -> list[Batch]:
    batches = []
    for _, date, file, rows_read in load.file_counts.iter_rows():
        rows, sha = manifests.get((date, file), (None, None))
        batches.append(Batch(date, file, rows_read, rows, sha))
    return batches


def _reload(landing: Path, spec: SourceSpec, excluded: set[str]) -> SourceLoad:
    """Read the source again as if the excluded delivery folders had not arrived."""
    with tempfile.TemporaryDirectory(prefix="returnees-landing-") as tmp:
        view = Path(tmp) / spec.name
        view.mkdir()
        for folder in sorted((landing / spec.name).iterdir()):
            if folder.is_dir() and folder.name not in excluded:
                (view / folder.name).symlink_to(folder.resolve(), target_is_directory=True)
        return load_source(Path(tmp), spec)


def _batch_keys(ctx: _Context, batch: Batch, version: str, suite: str) -> dict[str, object]:
    """The `BATCH_SCHEMA` columns of a row about one delivered file, validated in this run."""
    return {
        "run_id": ctx.run_id,
        "validated_run_id": ctx.run_id,
        "scope": SCOPE,
        "source": ctx.spec.name,
        "delivery_date": batch.delivery_date,
        "file": batch.file,
        "file_sha256": batch.sha256,
        "rules_version": version,
        "suite": suite,
    }


def _result_rows(
    ctx: _Context, batch: Batch, version: str, validation: SuiteValidation, samples: list[list[dict[str, object]]]
) -> list[dict[str, object]]:
    return [
        {
            **_batch_keys(ctx, batch, version, o.rule.suite),
            "rule": o.rule.name,
            "title": o.rule.title,
            "severity": o.rule.severity.value,
            "success": o.success,
            "element_count": o.element_count,
            "unexpected_count": o.unexpected_count,
            "unexpected_percent": o.unexpected_percent,
            "sample": json.dumps(sample, ensure_ascii=False),
            "failed_line_nos": o.failed_ids if o.rule.severity is Severity.BLOCK_ROWS else None,
            "error": o.error,
        }
        for o, sample in zip(validation.outcomes, samples, strict=True)
    ]


def _delivery_samples(frame: pl.DataFrame, outcome: Outcome) -> list[dict[str, object]]:
    failing = frame.filter(pl.col("file").is_in(outcome.failed_ids))
    return [
        {
            "文件": row["file"],
            "缺少的表头": row["missing_headers"],
            "读取行数": row["rows_read"],
            "清单行数": row["manifest_rows"],
            "上一交付行数": row["previous_rows"],
            "下降比例": None if row["drop_share"] is None else round(row["drop_share"], 4),
        }
        for row in failing.iter_rows(named=True)
    ]


def _previous_rows(ctx: _Context, batch: Batch) -> int | None:
    earlier = ctx.previous_rows.filter(
        (pl.col("file") == batch.file) & (pl.col("delivery_date") != batch.delivery_date)
    ).sort("delivery_date")
    return None if earlier.is_empty() else int(earlier["rows_read"][-1])


def _validate(
    ctx: _Context, file_spec: FileSpec, batch: Batch, bronze: pl.DataFrame, version: str
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """Validate one file: the per-file delivery suite, then the row suites; result and validation rows."""
    table = table_name(ctx.spec, file_spec)
    name = f"{ctx.spec.name}__{batch.delivery_date}__{batch.file}"
    size = ctx.config.sample_size
    session = ctx.gx()
    facts = delivery_frame(
        [
            {
                "file": batch.file,
                "missing_headers": [c.header for c in file_spec.columns if c.field not in bronze.columns],
                "rows_read": batch.rows_read,
                "manifest_rows": batch.manifest_rows,
                "previous_rows": _previous_rows(ctx, batch),
            }
        ]
    )
    validations = [session.validate(facts, delivery_rules(ctx.config), f"{table}.{DELIVERY_SUITE}", name, "file")]
    rows = _result_rows(
        ctx, batch, version, validations[0], [_delivery_samples(facts, o) for o in validations[0].outcomes]
    )
    rules = row_rules(file_spec, ctx.config)
    if rules and not bronze.is_empty():
        started = time.perf_counter()
        frame = rows_frame(bronze, file_spec, rules)
        ctx.prepare_seconds += time.perf_counter() - started
        validation = session.validate(frame, rules, f"{table}.{ROWS_SUITE}", name, ROW_ID)
        samples = [row_samples(bronze, o.failed_ids, o.rule.sample_field, size) for o in validation.outcomes]
        rows += _result_rows(ctx, batch, version, validation, samples)
        validations.append(validation)
    stored = [
        {
            **_batch_keys(ctx, batch, version, v.suite),
            "batch": v.batch,
            "result_json": v.result_json,
        }
        for v in validations
    ]
    return rows, stored


def _check_batch(
    ctx: _Context, load: SourceLoad, batch: Batch, previous: tuple[pl.DataFrame, pl.DataFrame]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """This run's result and validation rows for one file: reused when unchanged, else validated now."""
    file_spec = ctx.spec.file_spec(batch.file)
    assert file_spec is not None  # ingest only keeps contract files
    version = rules_version([*delivery_rules(ctx.config), *row_rules(file_spec, ctx.config)])
    same = (
        (pl.col("delivery_date") == batch.delivery_date)
        & (pl.col("file") == batch.file)
        & (pl.col("file_sha256") == batch.sha256)
        & (pl.col("rules_version") == version)
    )
    old_results, old_validations = (frame.filter(same) for frame in previous)
    if batch.sha256 is not None and not old_results.is_empty():
        fresh = pl.lit(ctx.run_id).alias("run_id")
        return old_results.with_columns(fresh), old_validations.with_columns(fresh)
    table = table_name(ctx.spec, file_spec)
    bronze = load.bronze[table].filter(
        (pl.col("delivery_date") == batch.delivery_date) & (pl.col("file") == batch.file)
    )
    validated_before = ctx.unchanged.get(table)
    if validated_before is not None and _same_rules_before(previous[0], batch.file, version):
        bronze = bronze.join(validated_before, on=["delivery_date", "file", "line_no"], how="anti")
    rows, stored = _validate(ctx, file_spec, batch, bronze, version)
    return pl.DataFrame(rows, schema=RESULT_SCHEMA, orient="row"), pl.DataFrame(
        stored, schema=VALIDATION_SCHEMA, orient="row"
    )


def _same_rules_before(results: pl.DataFrame, file: str, version: str) -> bool:
    """Whether the last published results of this file kind were computed under rules `version`."""
    return not results.filter((pl.col("file") == file) & (pl.col("rules_version") == version)).is_empty()


def _rejections(results: pl.DataFrame) -> str | None:
    """Why a file's results reject its delivery, or None."""
    failing = results.filter((pl.col("severity") == Severity.REJECT_DELIVERY) & (pl.col("success") == False))  # noqa: E712
    if failing.is_empty():
        return None
    return "；".join(f"质量规则 {r}：{t}（{f}）" for r, t, f in failing.select("rule", "title", "file").iter_rows())


def _blocked(results: pl.DataFrame) -> pl.DataFrame:
    """(delivery_date, file, line_no, reason) of every row failing a block_rows rule."""
    rules = results.filter(pl.col("severity") == Severity.BLOCK_ROWS).select(
        "delivery_date",
        "file",
        pl.col("failed_line_nos").alias(ROW_ID),
        ("质量规则 " + pl.col("rule") + "：" + pl.col("title")).alias("reason"),
    )
    return (
        rules.explode(ROW_ID)
        .drop_nulls(ROW_ID)
        .group_by("delivery_date", "file", ROW_ID, maintain_order=True)
        .agg(pl.col("reason").str.join("；"))
    )


def _block_rows(spec: SourceSpec, load: SourceLoad, blocked: pl.DataFrame) -> SourceLoad:
    """Move blocked rows from the bronze frames to the quarantine."""
    if blocked.is_empty():
        return load
    keys = ["delivery_date", "file", ROW_ID]
    bronze = {}
    held = [load.quarantine]
    for file_spec in spec.files:
        table = table_name(spec, file_spec)
        frame = load.bronze[table]
        hits = frame.join(blocked, on=keys, how="inner")
        raw = pl.concat_str([pl.col(c.field).fill_null("") for c in file_spec.columns], separator=file_spec.delimiter)
        held.append(hits.select("source", *keys, raw.alias("raw"), "reason").cast(QUARANTINE_COLUMNS))
        bronze[table] = frame.join(blocked.select(keys), on=keys, how="anti", maintain_order="left")
    return replace(load, bronze=bronze, quarantine=pl.concat(held))


def _ingest_rejections(ctx: _Context, outcomes: list[DeliveryOutcome], by_quality: set[str]) -> pl.DataFrame:
    """Deliveries the ingest stage rejected (manifest, sha256, structure), as failed results."""
    rows = [
        {
            "run_id": ctx.run_id,
            "validated_run_id": ctx.run_id,
            "scope": SCOPE,
            "source": ctx.spec.name,
            "delivery_date": o.delivery_date,
            "suite": DELIVERY_SUITE,
            "rule": INGEST_RULE.name,
            "title": INGEST_RULE.title,
            "severity": INGEST_RULE.severity.value,
            "success": False,
            "sample": json.dumps([{"原因": o.reason}], ensure_ascii=False),
        }
        for o in outcomes
        if o.status == DeliveryStatus.REJECTED and o.delivery_date not in by_quality
    ]
    return pl.DataFrame(rows, schema=RESULT_SCHEMA, orient="row") if rows else pl.DataFrame(schema=RESULT_SCHEMA)


def _check_deliveries(
    ctx: _Context,
    landing: Path,
    load: SourceLoad,
    manifests: dict[tuple[str, str], tuple[int, str]],
    previous: tuple[pl.DataFrame, pl.DataFrame],
) -> tuple[SourceLoad, dict[tuple[str, str], tuple[pl.DataFrame, pl.DataFrame]], dict[str, str]]:
    """Check every current file, rejecting deliveries until none fails; the source as then read,
    the result and validation rows per (delivery date, file), and the rejected deliveries' reasons."""
    checked: dict[tuple[str, str], tuple[pl.DataFrame, pl.DataFrame]] = {}
    rejected: dict[str, str] = {}
    while True:
        current = _batches(load, manifests)
        for batch in current:
            if (batch.delivery_date, batch.file) not in checked:
                checked[(batch.delivery_date, batch.file)] = _check_batch(ctx, load, batch, previous)
        newly: dict[str, str] = {}
        for batch in current:
            reason = _rejections(checked[(batch.delivery_date, batch.file)][0])
            if reason:
                newly[batch.delivery_date] = "；".join(filter(None, [newly.get(batch.delivery_date), reason]))
        if not newly:
            return load, checked, rejected
        rejected |= newly
        load = _reload(landing, ctx.spec, set(rejected))


def gate_source(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    published: Path,
    spec: SourceSpec,
    load: SourceLoad,
    run_id: str,
    config: QualityConfig | None = None,
    reuse_results: bool = True,
    unchanged: Mapping[str, pl.DataFrame] | None = None,
) -> GatedSource:
    """Apply the quality gate to a freshly loaded source (see module docstring). Without
    `reuse_results` (`returnees run --full`) every delivery and every row is validated again."""
    attach_previous(con, published)
    ctx = _Context(spec, config or default_config(), run_id, previous_file_rows(con, spec.name), unchanged or {})
    previous = (
        previous_results(con, spec.name)
        if reuse_results
        else (pl.DataFrame(schema=RESULT_SCHEMA), pl.DataFrame(schema=VALIDATION_SCHEMA))
    )
    manifests = _manifests(landing, spec)
    try:
        load, checked, rejected = _check_deliveries(ctx, landing, load, manifests, previous)
    finally:
        if ctx.session is not None:
            ctx.session.close()
    results = pl.concat([r for r, _ in checked.values()] or [pl.DataFrame(schema=RESULT_SCHEMA)])
    current_keys = pl.DataFrame(
        [(b.delivery_date, b.file) for b in _batches(load, manifests)],
        schema={"delivery_date": pl.Utf8, "file": pl.Utf8},
        orient="row",
    )
    load = _block_rows(spec, load, _blocked(results.join(current_keys, on=["delivery_date", "file"], how="semi")))
    outcomes = [
        *load.outcomes,
        *(DeliveryOutcome(spec.name, d, DeliveryStatus.REJECTED, r, 0) for d, r in rejected.items()),
    ]
    load = replace(load, outcomes=outcomes)
    timings = [("prepare", ctx.prepare_seconds)]
    if ctx.session is not None:
        timings += [("gx_import", ctx.session.import_seconds), ("gx", ctx.session.seconds)]
    return GatedSource(
        load=load,
        results=pl.concat([results, _ingest_rejections(ctx, load.outcomes, set(rejected))]),
        validations=pl.concat([v for _, v in checked.values()] or [pl.DataFrame(schema=VALIDATION_SCHEMA)]),
        timings=pl.DataFrame(
            [(run_id, SCOPE, step, seconds) for step, seconds in timings],
            schema={"run_id": pl.Utf8, "scope": pl.Utf8, "step": pl.Utf8, "seconds": pl.Float64},
            orient="row",
        ),
    )


def apply_quality_gate(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    published: Path,
    spec: SourceSpec,
    load: SourceLoad,
    run_id: str,
    reuse_results: bool = True,
    unchanged: Mapping[str, pl.DataFrame] | None = None,
) -> SourceLoad:
    """Gate a freshly loaded source and record the results in this build; return the gated source.
    `unchanged`: per bronze table, the positions of rows bronze already holds unchanged."""
    gated = gate_source(con, landing, published, spec, load, run_id, reuse_results=reuse_results, unchanged=unchanged)
    replace_results(con, SCOPE, spec.name, gated.results, gated.validations, gated.timings)
    return gated.load
