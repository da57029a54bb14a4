"""The Dagster code location loads, fast and without warnings."""

from __future__ import annotations

import subprocess
import sys


def test_definitions_load_without_warnings() -> None:
    code = (
        "import warnings; warnings.simplefilter('error');"
        "import sys; from pipelines.definitions import defs;"
        "defs.resolve_job_def('nightly'); defs.resolve_schedule_def('nightly_schedule');"
        "defs.resolve_sensor_def('new_delivery_sensor');"
        "heavy = {'great_expectations', 'splink', 'pyspark'} & set(sys.modules);"
        "assert not heavy, heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
