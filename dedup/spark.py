"""Splink's Spark backend: the session, with Splink's similarity functions, and its scratch files.

pyspark is imported inside these functions only: Dagster's definitions must load fast.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from pyspark.sql import DataFrame as SparkDataFrame
    from pyspark.sql import SparkSession
    from splink.internals.database_api import DatabaseAPI
    from splink.internals.splink_dataframe import SplinkDataFrame

APP_NAME = "returnees-linkage"
# Partitions per CPU of a local session: Spark's default of 200 partitions writes hundreds of tiny
# Parquet files per intermediate table on one machine. A cluster keeps its own setting.
LOCAL_PARTITIONS_PER_CPU = 2


def spark_session(master: str) -> SparkSession:
    """The process's Spark session (made on first use) with Splink's Spark-4 similarity jar.

    The jar is given as `spark.jars`, so Spark ships it from this machine to a cluster's executors.
    Further settings (executor memory, a cluster's partitions) come from Spark's own configuration:
    `$SPARK_CONF_DIR/spark-defaults.conf`.
    """
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    builder = (
        SparkSession.builder.appName(APP_NAME)
        .master(master)
        .config("spark.jars", similarity_jar_location())
        .config("spark.ui.showConsoleProgress", "false")
    )
    if master.startswith("local"):
        partitions = LOCAL_PARTITIONS_PER_CPU * len(os.sched_getaffinity(0))
        builder = builder.config("spark.sql.shuffle.partitions", str(partitions))
    with warnings.catch_warnings():
        # Starting the context imports pyspark.testing, which warns about pandas 3; no pandas is used here.
        warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
        session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


@dataclass(frozen=True)
class _SparkBackend:
    session: SparkSession
    db_api: DatabaseAPI[SparkDataFrame]
    scratch: str

    def register(self, frame: pl.DataFrame, name: str) -> SplinkDataFrame:
        # Through Parquet in the scratch folder: a frame made from Arrow data would be a local relation
        # inside every query plan that reads it (at 20,000 persons the plans exhaust the driver's heap),
        # and executors read files, not the driver's memory.
        path = f"{self.scratch}/input_{name}"
        self.session.createDataFrame(frame.to_arrow()).write.mode("overwrite").parquet(path)
        return self.db_api.register(self.session.read.parquet(path), table_name=name)

    def fetch(self, table: SplinkDataFrame, keep: Callable[[str], bool]) -> pl.DataFrame:
        frame = self.session.table(table.physical_name)
        arrow = frame.select(*[c for c in frame.columns if keep(c)]).toArrow()
        return pl.from_arrow(arrow)  # type: ignore[return-value]  # a Table gives a DataFrame


def _delete(session: SparkSession, uri: str) -> None:
    """Delete a folder through Hadoop's file system API (local, HDFS or object store alike)."""
    jvm = session.sparkContext._jvm
    assert jvm is not None
    path = jvm.org.apache.hadoop.fs.Path(uri)
    path.getFileSystem(session.sparkContext._jsc.hadoopConfiguration()).delete(path, True)


@contextmanager
def spark_backend(master: str, checkpoint_dir: str) -> Iterator[_SparkBackend]:
    """Splink's SparkAPI on the session for `master`, breaking lineage by writing Parquet below
    `checkpoint_dir` (in a folder of its own, deleted with the temporary views at the end)."""
    from splink import SparkAPI

    session = spark_session(master)
    session.sparkContext.setCheckpointDir(checkpoint_dir)  # Spark adds a fresh folder below it
    scratch = session.sparkContext.getCheckpointDir()
    assert scratch is not None
    try:
        # splink's SparkAPI.__init__ carries no annotations
        db_api = SparkAPI(spark_session=session, break_lineage_method="parquet")  # type: ignore[no-untyped-call]
        yield _SparkBackend(session, db_api, scratch)
    finally:
        for table in session.catalog.listTables():
            if table.isTemporary:
                session.catalog.dropTempView(table.name)
        _delete(session, scratch)
