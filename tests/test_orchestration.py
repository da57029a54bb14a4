"""The new-delivery sensor and the nightly schedule start a run only when there is something new."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from dagster import RunRequest, SkipReason, build_schedule_context, build_sensor_context, instance_for_test

from pipelines.jobs import new_delivery_sensor, nightly_schedule
from returnees.runner import run_nightly
from returnees.synthetic import generate_landing


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
    with instance_for_test() as instance:
        context = build_sensor_context(instance=instance)
        first = new_delivery_sensor(context)
        assert isinstance(first, RunRequest)
        assert "social_insurance/" in first.tags["deliveries"]
        again = new_delivery_sensor(build_sensor_context(instance=instance, cursor=context.cursor))
        assert isinstance(again, SkipReason)  # already requested: not twice

        scheduled = build_schedule_context(instance=instance, scheduled_execution_time=dt.datetime(2026, 11, 23, 2))
        assert isinstance(nightly_schedule(scheduled), RunRequest)  # nothing consumed yet

        run_nightly(landing / "landing", warehouse)
        assert isinstance(nightly_schedule(scheduled), SkipReason)  # the run consumed everything
        fresh_cursor = build_sensor_context(instance=instance)
        assert isinstance(new_delivery_sensor(fresh_cursor), SkipReason)
