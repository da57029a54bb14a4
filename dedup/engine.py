"""Where Splink blocks and scores profile pairs: DuckDB in this process, or Spark.

Blocking and scoring grow with the square of the data; everything else in linkage (profiles,
the score cache, constraints, the union-find clustering) stays in this process whichever engine
scores. Both engines read the same saved model (`dedup.dialect` gives Spark its SQL) and return
the same columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import duckdb
import polars as pl

if TYPE_CHECKING:
    from splink.internals.database_api import DatabaseAPI
    from splink.internals.splink_dataframe import SplinkDataFrame


@dataclass(frozen=True)
class DuckDBEngine:
    """Splink on DuckDB in the caller's connection (an in-memory one keeps its tables out of the warehouse)."""

    con: duckdb.DuckDBPyConnection
    dialect: ClassVar[str] = "duckdb"


@dataclass(frozen=True)
class SparkEngine:
    """Splink on Spark: `master` is `local[*]` or a cluster's master URL; Splink writes its
    intermediate tables as Parquet under `checkpoint_dir`, which every executor must reach."""

    master: str
    checkpoint_dir: str
    dialect: ClassVar[str] = "spark"


Engine = DuckDBEngine | SparkEngine


class SplinkBackend(Protocol):
    """An engine opened for Splink: its database API, and tables in and out of this process."""

    @property
    def db_api(self) -> DatabaseAPI[Any]: ...

    def register(self, frame: pl.DataFrame, name: str) -> SplinkDataFrame:
        """`frame` as a table Splink reads, named `name`."""
        ...

    def fetch(self, table: SplinkDataFrame, keep: Callable[[str], bool]) -> pl.DataFrame:
        """The columns of `table` that `keep` selects, as a polars frame in this process."""
        ...


@dataclass(frozen=True)
class _DuckDBBackend:
    con: duckdb.DuckDBPyConnection
    db_api: DatabaseAPI[duckdb.DuckDBPyRelation]

    def register(self, frame: pl.DataFrame, name: str) -> SplinkDataFrame:
        return self.db_api.register(frame.to_arrow(), table_name=name)

    def fetch(self, table: SplinkDataFrame, keep: Callable[[str], bool]) -> pl.DataFrame:
        columns = [r[0] for r in self.con.execute(f"DESCRIBE {table.physical_name}").fetchall()]
        frame: pl.DataFrame = self.con.sql(
            f"SELECT {', '.join(c for c in columns if keep(c))} FROM {table.physical_name}"
        ).pl()
        return frame


@contextmanager
def splink_backend(engine: Engine) -> Iterator[SplinkBackend]:
    """Open `engine` for Splink; a Spark run's intermediate files are removed when the block ends."""
    if isinstance(engine, SparkEngine):
        from dedup.spark import spark_backend

        with spark_backend(engine.master, engine.checkpoint_dir) as backend:
            yield backend
        return
    yield duckdb_backend(engine.con)


def duckdb_backend(con: duckdb.DuckDBPyConnection) -> SplinkBackend:
    """Splink's DuckDB backend on `con` (nothing to clean up: its tables live as long as `con`)."""
    from splink import DuckDBAPI

    return _DuckDBBackend(con, DuckDBAPI(connection=con))
