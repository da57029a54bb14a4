"""Configured resources: where the landing area and the warehouse are, and DuckDB's limits."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, EnvVar

from warehouse.store.db import DuckDBSettings, connect
from warehouse.store.publish import building_path
from warehouse.store.run_log import record_stage


@dataclass
class Stage:
    """A stage of the run: its connection to the building warehouse, and its seconds once done."""

    con: duckdb.DuckDBPyConnection
    seconds: float = 0.0


class WarehouseResource(ConfigurableResource):
    """The landing area read and the DuckDB warehouse built by a run.

    A run builds into `<warehouse>.<run>.building` and publishes it over the warehouse file
    only at the end, so readers never see a half-built warehouse. Unless `full_refresh` is
    set, a run takes over from the published warehouse what did not change (see
    warehouse/store/previous.py).
    """

    landing_dir: str
    warehouse_path: str
    memory_limit: str = "4GB"
    threads: int = 2
    echo: bool = False
    full_refresh: bool = False

    def landing(self) -> Path:
        """The landing area root."""
        return Path(self.landing_dir)

    def published(self) -> Path:
        """The published warehouse file."""
        return Path(self.warehouse_path)

    def building(self, run_id: str) -> Path:
        """The file this run builds into."""
        return building_path(self.published(), run_id)

    def duckdb_settings(self) -> DuckDBSettings:
        """Memory, threads and spill directory for every DuckDB connection of the run."""
        return DuckDBSettings(self.memory_limit, self.threads, str(self.published().parent / ".duckdb_tmp"))

    @contextmanager
    def connect(self, run_id: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to this run's building warehouse."""
        path = self.building(run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with connect(path, self.duckdb_settings()) as con:
            yield con

    @contextmanager
    def scratch(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """An in-memory DuckDB with the run's limits, for work whose tables stay out of the warehouse."""
        with connect(":memory:", self.duckdb_settings()) as con:
            yield con

    @contextmanager
    def stage(self, run_id: str, name: str) -> Iterator[Stage]:
        """`connect` for one stage of the run; its seconds go to the run log when the block completes."""
        started = time.perf_counter()
        with self.connect(run_id) as con:
            current = Stage(con)
            yield current
            current.seconds = time.perf_counter() - started
            record_stage(con, run_id, name, current.seconds)

    def report(self, message: str) -> None:
        """Print a progress line for the operator when running from the CLI."""
        if self.echo:
            print(message, file=sys.stderr, flush=True)


def default_warehouse() -> WarehouseResource:
    """The resource as the schedule and sensor use it: paths from the environment."""
    return WarehouseResource(
        landing_dir=EnvVar("RETURNEES_LANDING"),
        warehouse_path=EnvVar("RETURNEES_WAREHOUSE"),
    )
