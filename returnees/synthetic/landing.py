"""Entry point: generate a landing area for all eight sources plus its truth files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from returnees.synthetic.extracts import BUILDERS, job_postings
from returnees.synthetic.extracts.common import Context
from returnees.synthetic.population import SOURCES, build_population
from returnees.synthetic.writers import write_delivery

# Recent deliveries on each source's cadence; survey names the newest yearly delivery
# (the one before it is dated a year earlier).
DEFAULT_DELIVERY_DATES: dict[str, str] = {
    "survey": "2026-03-31",
    "prof_tech": "2026-11-21",
    "pi_hr": "2026-11-01",
    "soe_staff": "2026-10-31",
    "archives": "2026-11-16",
    "social_insurance": "2026-11-21",
    "fx_accounts": "2026-11-18",
    "job_postings": "2026-11-21",  # and yesterday's snapshot
}
JOB_TRUTH = "job_truth.csv"


@dataclass(frozen=True)
class GenerationSummary:
    """What :func:`generate_landing` wrote.

    ``records_by_source`` counts person-bearing records delivered (unreadable ones
    included; achievements and applications excluded); ``unreadable_rows`` counts those
    deliberately unreadable (cut-off last lines, malformed JSON lines), which have no
    truth row.
    """

    persons: int
    records_by_source: dict[str, int]
    unreadable_rows: int
    landing: Path
    truth: Path
    deliveries: list[Path] = field(default_factory=list)
    job_truth: Path | None = None  # posting_id, written_for (true person), status, requirements


REGION_GROUPS = ("mainland", "hong_kong", "macao", "taiwan")


def write_person_groups(frame: pl.DataFrame, path: Path) -> None:
    """`persons.csv`: each true person's groups (residency_group, is_namesake, is_twin,
    has_renewed_passport), for scoring per group (`benchmarks/groups.py`)."""
    frame.select(
        pl.col("person_id").alias("true_person_id"),
        pl.col("region").replace_strict(dict(enumerate(REGION_GROUPS))).alias("residency_group"),
        pl.col("is_namesake").cast(pl.Int8),
        pl.col("is_twin").cast(pl.Int8),
        pl.col("earlier_passport").is_not_null().cast(pl.Int8).alias("has_renewed_passport"),
    ).write_csv(path)


def _dates(overrides: Mapping[str, str] | None) -> dict[str, str]:
    dates = dict(DEFAULT_DELIVERY_DATES)
    for source, value in (overrides or {}).items():
        if source not in dates:
            raise ValueError(f"unknown source {source!r}; expected one of {list(dates)}")
        dates[source] = dt.date.fromisoformat(value).isoformat()
    return dates


def generate_landing(
    persons: int, seed: int, out: Path, delivery_dates: dict[str, str] | None = None
) -> GenerationSummary:
    """Write ``out/landing/<source>/<YYYY-MM-DD>/`` for all sources, ``out/truth.csv`` (person
    records), ``out/persons.csv`` (the groups each true person belongs to) and ``out/job_truth.csv``
    (for whom each job posting was written).

    Output is a pure function of the arguments: the same seed gives byte-identical files.
    ``delivery_dates`` overrides the delivery date per source (``YYYY-MM-DD``); for
    ``survey`` it is the newest of the two yearly deliveries.
    """
    if persons < 1:
        raise ValueError("persons must be at least 1")
    dates = _dates(delivery_dates)
    newest_survey = int(dates["survey"][:4])
    population = build_population(seed, persons, (newest_survey - 1, newest_survey))
    ctx = Context(seed=seed, population=population, dates=dates)
    landing = Path(out) / "landing"
    truth_frames: list[pl.DataFrame] = []
    records: dict[str, int] = {}
    unreadable = 0
    folders: list[Path] = []
    for source in SOURCES:
        for delivery in BUILDERS[source](ctx):
            folders.append(write_delivery(delivery, landing))
            records[source] = records.get(source, 0) + delivery.files[0].frame.height
            unreadable += delivery.unreadable
            truth_frames.append(delivery.truth.select(pl.lit(source).alias("source"), "record_key", "true_person_id"))
    truth_path = Path(out) / "truth.csv"
    pl.concat(truth_frames).write_csv(truth_path)
    write_person_groups(population.frame, Path(out) / "persons.csv")
    postings = job_postings.build(ctx)
    folders += [write_delivery(delivery, landing) for delivery in postings.deliveries]
    postings.truth.write_csv(Path(out) / JOB_TRUTH)
    return GenerationSummary(
        persons=persons,
        records_by_source=records,
        unreadable_rows=unreadable,
        landing=landing,
        truth=truth_path,
        deliveries=folders,
        job_truth=Path(out) / JOB_TRUTH,
    )
