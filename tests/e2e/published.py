"""One generated landing area and its first published warehouse, shared by the console tests.

Built once per test session (under pytest's base temp directory); a test that writes copies
the warehouse first, so the shared one stays as the first run left it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PERSONS = 1200
SEED = 5


def cli(*args: str) -> None:
    """Run `returnees` as the operator would; fail the test with its stderr otherwise."""
    result = subprocess.run(
        [sys.executable, "-m", "returnees.cli", *args], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr


def published_warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(landing area, first published warehouse), generated and run on first use."""
    base = tmp_path_factory.getbasetemp() / "console_published"
    warehouse = base / "warehouse.duckdb"
    if not warehouse.is_file():
        cli("generate", "--persons", str(PERSONS), "--seed", str(SEED), "--out", str(base))
        cli("run", "--landing", str(base / "landing"), "--warehouse", str(warehouse))
    return base / "landing", warehouse
