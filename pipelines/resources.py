"""The run's resource: where the landing area and the warehouse are, DuckDB's limits, the linkage engine.

It is made from one `Settings` object (warehouse/store/settings.py: flags over environment over
the machine's defaults), however the run starts: `returnees run`, the schedule, the sensor or the UI.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, EnvVar, get_dagster_logger

from dedup.engine import DuckDBEngine, Engine, SparkEngine
from warehouse.serve.analyst import analyst_path
from warehouse.store.db import DuckDBSettings, connect
from warehouse.store.publish import building_path
from warehouse.store.run_log import record_stage
from warehouse.store.segments import SegmentStore, segments_root
from warehouse.store.settings import ENVIRONMENT, LOCAL_SPARK, Settings


@dataclass
class Stage:
    """A stage of the run: its connection to the building warehouse, the counts it reports and its
    seconds once done (both go to the run log)."""

    con: duckdb.DuckDBPyConnection
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# A resource is its own value; subscripting the pydantic base at runtime would add a generated class.
class WarehouseResource(ConfigurableResource):  # type: ignore[type-arg]
    """The landing area read and the DuckDB warehouse built by a run.

    A run builds into `<warehouse>.<run>.building` (and the analyst file into
    `analyst.duckdb.<run>.building`) and publishes both only at the end, so readers never see a
    half-built warehouse. Unless `full_refresh` is set, a run takes over from the published
    warehouse what did not change (see warehouse/store/previous.py).
    """

    landing_dir: str
    warehouse_path: str
    memory_limit: str
    threads: int
    temp_directory: str = ""  # default: `.duckdb_tmp` beside the warehouse
    echo: bool = False
    full_refresh: bool = False
    engine: str = "duckdb"  # where Splink blocks and scores: "duckdb" or "spark"
    spark_master: str = LOCAL_SPARK
    spark_checkpoint_dir: str = ""  # default: `spark` in the DuckDB temp directory

    @classmethod
    def from_settings(cls, settings: Settings, echo: bool = False) -> WarehouseResource:
        """The resource for `settings`; paths not set there are read from the environment when a run starts."""
        return cls(
            landing_dir=str(settings.landing) if settings.landing else EnvVar(ENVIRONMENT["landing"]),
            warehouse_path=str(settings.warehouse) if settings.warehouse else EnvVar(ENVIRONMENT["warehouse"]),
            memory_limit=settings.memory_limit,
            threads=settings.threads,
            temp_directory=str(settings.temp_directory or ""),
            echo=echo,
            full_refresh=settings.full_refresh,
            engine=settings.engine,
            spark_master=settings.spark_master,
            spark_checkpoint_dir=settings.spark_checkpoint_dir,
        )

    def landing(self) -> Path:
        """The landing area root."""
        return Path(self.landing_dir)

    def published(self) -> Path:
        """The published warehouse file (restricted: personal data)."""
        return Path(self.warehouse_path)

    def published_analyst(self) -> Path:
        """The published analyst file beside it."""
        return analyst_path(self.published())

    def building(self, run_id: str) -> Path:
        """The file this run builds the warehouse into."""
        return building_path(self.published(), run_id)

    def building_analyst(self, run_id: str) -> Path:
        """The file this run builds the analyst file into."""
        return building_path(self.published_analyst(), run_id)

    def duckdb_settings(self) -> DuckDBSettings:
        """Memory, threads and spill directory for every DuckDB connection of the run."""
        temp = self.temp_directory or str(self.published().parent / ".duckdb_tmp")
        return DuckDBSettings(self.memory_limit, self.threads, temp)

    @contextmanager
    def connect(self, run_id: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to this run's building warehouse."""
        path = self.building(run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with connect(path, self.duckdb_settings()) as con:
            yield con

    def segments(self, con: duckdb.DuckDBPyConnection, run_id: str) -> SegmentStore:
        """The segmented tables of this run's build (see warehouse/store/segments.py)."""
        return SegmentStore(con, segments_root(self.published()), run_id)

    @contextmanager
    def scratch(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """An in-memory DuckDB with the run's limits, for work whose tables stay out of the warehouse."""
        with connect(":memory:", self.duckdb_settings()) as con:
            yield con

    @contextmanager
    def link_engine(self) -> Iterator[Engine]:
        """Where Splink blocks and scores this run's pairs: the in-memory DuckDB of `scratch`, or Spark."""
        if self.engine == "spark":
            checkpoints = self.spark_checkpoint_dir or str(Path(self.duckdb_settings().temp_directory) / "spark")
            yield SparkEngine(self.spark_master, checkpoints)
            return
        with self.scratch() as con:
            yield DuckDBEngine(con)

    @contextmanager
    def stage(self, run_id: str, name: str) -> Iterator[Stage]:
        """`connect` for one stage of the run; its seconds go to the run log when the block completes."""
        started = time.perf_counter()
        with self.connect(run_id) as con:
            current = Stage(con)
            yield current
            current.seconds = time.perf_counter() - started
            record_stage(con, run_id, name, current.seconds, **current.counts)

    def report(self, message: str) -> None:
        """Log a progress line through Dagster's logger; also print it for the operator of `returnees run`."""
        get_dagster_logger().info(message)
        if self.echo:
            print(message, file=sys.stderr, flush=True)
