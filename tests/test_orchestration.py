"""The new-delivery sensor and the nightly schedule start a run only when there is something new, and
they and the runs they start use the one configuration read from flags, environment and machine."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
from dagster import RunRequest, SkipReason, build_schedule_context, build_sensor_context, instance_for_test

from pipelines.definitions import build_definitions
from pipelines.jobs import new_delivery_sensor, nightly_schedule
from pipelines.resources import WarehouseResource
from returnees.runner import run_nightly
from returnees.synthetic import generate_landing
from warehouse.store.settings import default_memory_limit, load_settings, machine_threads


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("orchestration")
    generate_landing(150, 3, out)
    return out


def test_sensor_requests_once_per_new_delivery_and_schedule_skips_after_a_run(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = tmp_path / "w.duckdb"
    monkeypatch.setenv("RETURNEES_LANDING", str(landing / "landing"))
    monkeypatch.setenv("RETURNEES_WAREHOUSE", str(warehouse))
    resources = {"warehouse": WarehouseResource.from_settings(load_settings())}
    with instance_for_test() as instance:
        context = build_sensor_context(instance=instance, resources=resources)
        first = new_delivery_sensor(context)
        assert isinstance(first, RunRequest)
        assert "social_insurance/" in first.tags["deliveries"]
        again = new_delivery_sensor(build_sensor_context(instance=instance, cursor=context.cursor, resources=resources))
        assert isinstance(again, SkipReason)  # already requested: not twice

        scheduled = build_schedule_context(
            instance=instance, scheduled_execution_time=dt.datetime(2026, 11, 23, 2), resources=resources
        )
        assert isinstance(nightly_schedule(scheduled), RunRequest)  # nothing consumed yet

        run_nightly(landing / "landing", warehouse)
        assert isinstance(nightly_schedule(scheduled), SkipReason)  # the run consumed everything
        fresh_cursor = build_sensor_context(instance=instance, resources=resources)
        assert isinstance(new_delivery_sensor(fresh_cursor), SkipReason)


def test_settings_take_flags_over_environment_over_the_machine(tmp_path: Path) -> None:
    environ = {"RETURNEES_DUCKDB_MEMORY": "3GB", "RETURNEES_DUCKDB_THREADS": "1", "RETURNEES_WAREHOUSE": "/x/w.duckdb"}
    assert load_settings(environ=environ).memory_limit == "3GB"
    assert load_settings({"memory_limit": "5GB", "threads": None}, environ).memory_limit == "5GB"
    assert load_settings({"threads": None}, environ).threads == 1
    machine = load_settings(environ={})
    assert (machine.memory_limit, machine.threads) == (default_memory_limit(), machine_threads())
    assert machine.landing is None and machine.warehouse is None


def test_an_environment_setting_reaches_a_scheduled_runs_duckdb(
    landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The daemon loads the code location with the environment; the schedule's run uses its resource."""
    warehouse = tmp_path / "w.duckdb"
    for name, value in {
        "RETURNEES_LANDING": str(landing / "landing"),
        "RETURNEES_WAREHOUSE": str(warehouse),
        "RETURNEES_DUCKDB_MEMORY": "1500MB",
        "RETURNEES_DUCKDB_THREADS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    defs = build_definitions(load_settings())  # what loading pipelines.definitions does at the daemon
    with instance_for_test() as instance:
        context = build_schedule_context(
            instance=instance,
            scheduled_execution_time=dt.datetime(2026, 11, 24, 2),
            resources={"warehouse": defs.resources["warehouse"]},
        )
        request = nightly_schedule(context)
        assert isinstance(request, RunRequest)
        result = defs.resolve_job_def("nightly").execute_in_process(instance=instance, tags=request.tags)
    assert result.success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        memory, threads = con.execute("SELECT duckdb_memory_limit, duckdb_threads FROM run_log").fetchall()[0]
    assert threads == 1
    assert memory.startswith(("1.3 GiB", "1.4 GiB", "1430", "1.5 GB"))  # DuckDB's own spelling of 1500MB
