"""The runs several test modules share: how each is built (`conftest.py` builds each once per session).

`published`: one generated landing area and the warehouse its first `returnees run` published.
`two_nights`: a copy of it, the next night's deliveries (a few new, changed and withdrawn records of
social insurance and FX accounts) and the incremental run over them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from returnees.synthetic.evolve import next_night

ROOT = Path(__file__).resolve().parents[1]
PERSONS = 1200
SEED = 5
NEXT_NIGHT = "2026-11-22"


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run `returnees` as the operator would; fail the test with its stderr otherwise."""
    result = subprocess.run(
        [sys.executable, "-m", "returnees.cli", *args], capture_output=True, text=True, timeout=600, cwd=cwd
    )
    assert result.returncode == 0, result.stderr
    return result


def run(landing: Path, warehouse: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """`returnees run` of a landing area into a warehouse."""
    return cli("run", "--landing", str(landing), "--warehouse", str(warehouse), *extra)


@dataclass(frozen=True)
class PublishedRun:
    """A generated landing area (with the generator's truth) and the warehouse its first run published."""

    out: Path  # landing/, truth.csv, job_truth.csv and the warehouse with its companion files
    stdout: str
    stderr: str

    @property
    def landing(self) -> Path:
        return self.out / "landing"

    @property
    def warehouse(self) -> Path:
        return self.out / "warehouse.duckdb"

    @property
    def truth(self) -> Path:
        return self.out / "truth.csv"


def build_published(folder: Path) -> None:
    """Generate PERSONS persons (SEED) into `folder` and publish their first run beside them."""
    cli("generate", "--persons", str(PERSONS), "--seed", str(SEED), "--out", str(folder))
    first = run(folder / "landing", folder / "warehouse.duckdb")
    (folder / "run.stdout").write_text(first.stdout, encoding="utf-8")
    (folder / "run.stderr").write_text(first.stderr, encoding="utf-8")


def read_published(folder: Path) -> PublishedRun:
    """The published run built in `folder` by `build_published`."""
    return PublishedRun(
        folder, (folder / "run.stdout").read_text(encoding="utf-8"), (folder / "run.stderr").read_text(encoding="utf-8")
    )


def build_two_nights(published: Path, folder: Path) -> None:
    """Copy the published run to `folder`, deliver the next night there and run it incrementally.

    `first.duckdb` is the first night's warehouse, `warehouse.duckdb` the second's, and
    `second.log` the second run's progress lines."""
    shutil.copytree(published, folder)
    shutil.copy(folder / "warehouse.duckdb", folder / "first.duckdb")
    next_night(folder, delivery_date=NEXT_NIGHT, withdrawn_share=0.01, seed=4)
    second = run(folder / "landing", folder / "warehouse.duckdb")
    (folder / "second.log").write_text(second.stderr, encoding="utf-8")
