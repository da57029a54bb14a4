"""The run's configuration, read once: command-line flags over environment over defaults.

Every run — from `returnees run`, the 02:00 schedule, the new-delivery sensor or the Dagster UI —
gets its resource from one `Settings` object. Defaults are chosen from the machine: DuckDB may use
a third of the memory this process may use (cgroup limit or physical memory) and every CPU it may
run on, and spills to a folder beside the warehouse rather than failing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

# Environment variables, by setting.
ENVIRONMENT: dict[str, str] = {
    "landing": "RETURNEES_LANDING",
    "warehouse": "RETURNEES_WAREHOUSE",
    "memory_limit": "RETURNEES_DUCKDB_MEMORY",
    "threads": "RETURNEES_DUCKDB_THREADS",
    "temp_directory": "RETURNEES_DUCKDB_TEMP",
    "engine": "RETURNEES_ENGINE",
    "spark_master": "RETURNEES_SPARK_MASTER",
    "spark_checkpoint_dir": "RETURNEES_SPARK_CHECKPOINT_DIR",
}
# Where Splink blocks and scores (dedup/engine.py); Spark's default master uses every local CPU.
ENGINES = ("duckdb", "spark")
LOCAL_SPARK = "local[*]"
MEMORY_SHARE = 1 / 3  # of the memory the process may use, for DuckDB (polars and Python need the rest)
MIN_MEMORY_GB = 1


def _cgroup_memory_bytes() -> int | None:
    """The cgroup v2 memory limit of this process, when one is set."""
    try:
        text = Path("/sys/fs/cgroup/memory.max").read_text(encoding="ascii").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def machine_memory_bytes() -> int:
    """The memory this process may use: the cgroup limit or the physical memory, whichever is less."""
    physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    limit = _cgroup_memory_bytes()
    return min(physical, limit) if limit else physical


def machine_threads() -> int:
    """The CPUs this process may run on."""
    return len(os.sched_getaffinity(0))


def default_memory_limit() -> str:
    """DuckDB's memory limit for this machine, e.g. `8GB` on 24 GiB."""
    return f"{max(MIN_MEMORY_GB, int(machine_memory_bytes() * MEMORY_SHARE / 1e9))}GB"


@dataclass(frozen=True)
class Settings:
    """Where a run reads and writes, DuckDB's limits and the linkage engine; see the module docstring.

    `spark_checkpoint_dir` is where Splink on Spark writes its intermediate Parquet files (a path
    or URI every executor reaches; unset: `spark` in the DuckDB temp directory).
    """

    landing: Path | None = None
    warehouse: Path | None = None
    memory_limit: str = ""
    threads: int = 0
    temp_directory: Path | None = None
    full_refresh: bool = False
    engine: str = "duckdb"
    spark_master: str = LOCAL_SPARK
    spark_checkpoint_dir: str = ""

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"未知的关联引擎：{self.engine}（可选 {'、'.join(ENGINES)}）")

    def resolved(self) -> Settings:
        """Machine defaults for what is still unset."""
        temp = self.temp_directory or (self.warehouse.parent / ".duckdb_tmp" if self.warehouse else None)
        return replace(
            self,
            memory_limit=self.memory_limit or default_memory_limit(),
            threads=self.threads or machine_threads(),
            temp_directory=temp,
        )


def _parsed(name: str, text: str) -> object:
    if name == "threads":
        return int(text)
    if name in ("landing", "warehouse", "temp_directory"):
        return Path(text)
    return text


def load_settings(flags: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from `flags` (None values ignored) over the environment over the machine's defaults."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for field in fields(Settings):
        variable = ENVIRONMENT.get(field.name)
        if variable and environ.get(variable):
            values[field.name] = _parsed(field.name, environ[variable])
    values.update({k: v for k, v in (flags or {}).items() if v is not None})
    return Settings(**values).resolved()  # type: ignore[arg-type]
