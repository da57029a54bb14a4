"""A later night for a generated landing area: new deliveries with new, changed and withdrawn rows.

`next_night` writes, for each chosen source, a new full-snapshot delivery derived from that
source's newest delivery: a share of rows withdrawn, a share changed (non-identifying fields,
as real updates mostly are), and the records of a share of new people appended. `truth.csv`
is updated to match. Used by the incremental-run tests and benchmark.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from returnees.synthetic.landing import generate_landing
from returnees.synthetic.writers import Delivery, Format, OutFile, write_delivery
from sources.contract import FileSpec, load_contract
from sources.deliveries import Delivery as Found
from sources.deliveries import discover
from sources.readers import read_file

# Per source: the columns an update changes, and how.
UPDATES: dict[str, dict[str, pl.Expr]] = {
    "social_insurance": {
        "参保状态": pl.lit("暂停缴费"),
        "缴费基数": (pl.col("缴费基数").cast(pl.Float64, strict=False).fill_null(5000) + 250).round(2).cast(pl.Utf8),
    },
    "fx_accounts": {
        "金额(美元)": (pl.col("金额(美元)").cast(pl.Float64, strict=False).fill_null(1000) * 1.1)
        .round(2)
        .cast(pl.Utf8),
    },
    "archives": {"档案状态": pl.lit("已转出")},
    "pi_hr": {"人员状态": pl.lit("调出")},
}
FORMATS: dict[str, Format] = {"csv": "csv", "jsonl": "jsonl", "xlsx": "xlsx"}


@dataclass(frozen=True)
class NightSummary:
    """What `next_night` changed, per source."""

    new_rows: dict[str, int]
    changed_rows: dict[str, int]
    withdrawn_rows: dict[str, int]
    new_persons: int


def _newest(landing: Path, source: str) -> Path:
    spec = load_contract()[source]
    found = [d for d in discover(landing, {source: spec}) if isinstance(d, Found)]
    return max(found, key=lambda d: d.delivery_date).path


def _rows(folder: Path, spec: FileSpec) -> pl.DataFrame:
    """The readable records of a delivered file, under their contract headers."""
    path = next(p for p in folder.iterdir() if spec.matches(p.name))
    frame = read_file(path, spec).rows
    return frame.select([pl.col(c.field).alias(c.header) for c in spec.columns])


def _out_file(spec: FileSpec, frame: pl.DataFrame) -> OutFile:
    fmt = "csv.gz" if spec.compression == "gzip" else FORMATS[spec.format]
    return OutFile(name=spec.name, frame=frame, format=fmt, encoding=spec.encoding, delimiter=spec.delimiter)


def _key(spec: FileSpec) -> pl.Expr:
    return pl.concat_str([pl.col(h).str.strip_chars() for h in spec.record_key], separator="|")


def next_night(
    out: Path,
    sources: tuple[str, ...] = ("social_insurance", "fx_accounts"),
    delivery_date: str = "2026-11-22",
    new_share: float = 0.01,
    changed_share: float = 0.01,
    withdrawn_share: float = 0.0,
    seed: int = 1,
) -> NightSummary:
    """Write the next night's deliveries for `sources` under `out/landing` and update the truth."""
    rng = np.random.default_rng(seed)
    truth_path = out / "truth.csv"
    truth = pl.read_csv(truth_path, infer_schema=False)
    new_persons = max(1, round(truth["true_person_id"].n_unique() * new_share))
    contract = load_contract()
    summary = NightSummary({}, {}, {}, new_persons)
    with tempfile.TemporaryDirectory() as tmp:
        newcomers = Path(tmp)
        generate_landing(new_persons, seed + 10_000, newcomers)
        new_truth = pl.read_csv(newcomers / "truth.csv", infer_schema=False)
        tag = f"N{delivery_date.replace('-', '')}"
        for source in sources:
            spec = contract[source].person_file
            current = _rows(_newest(out / "landing", source), spec).with_columns(_key(spec).alias("_key"))
            n = current.height
            withdrawn = rng.random(n) < withdrawn_share
            changed = (rng.random(n) < changed_share) & ~withdrawn
            kept = current.filter(~pl.Series(withdrawn))
            updates = UPDATES.get(source, {})
            kept = kept.with_columns(
                [
                    pl.when(pl.Series(changed[~withdrawn])).then(expr).otherwise(pl.col(col)).alias(col)
                    for col, expr in updates.items()
                ]
            )
            arrivals = (
                _rows(_newest(newcomers / "landing", source), spec)
                .with_columns([(pl.lit(tag) + pl.col(h)).alias(h) for h in spec.record_key[:1]])
                .with_columns(_key(spec).alias("_key"))
            )
            arrival_truth = (
                new_truth.filter(pl.col("source") == source)
                .with_columns(
                    (pl.lit(tag) + pl.col("record_key")).alias("record_key"),
                    (pl.lit(tag + "-") + pl.col("true_person_id")).alias("true_person_id"),
                )
                .join(arrivals.select(pl.col("_key").alias("record_key")), on="record_key", how="semi")
            )
            frame = pl.concat([kept, arrivals]).drop("_key")
            withdrawn_keys = current.filter(pl.Series(withdrawn)).select(pl.col("_key").alias("record_key"))
            source_truth = truth.filter(pl.col("source") == source).join(withdrawn_keys, on="record_key", how="anti")
            write_delivery(
                Delivery(source, delivery_date, (_out_file(spec, frame),), source_truth.drop("source")), out / "landing"
            )
            truth = pl.concat([truth.filter(pl.col("source") != source), source_truth, arrival_truth])
            summary.new_rows[source] = arrivals.height
            summary.changed_rows[source] = int(changed.sum()) if updates else 0
            summary.withdrawn_rows[source] = int(withdrawn.sum())
    truth.sort("source", "record_key").write_csv(truth_path)
    return summary
