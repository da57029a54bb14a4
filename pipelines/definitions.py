"""The Dagster code location: assets, checks, job, schedule, sensor and resources."""

from dagster import Definitions

from assets.ingest import bronze_assets
from assets.publish import published_warehouse
from assets.resolve import person_xref, record_clusters, records
from pipelines.jobs import new_delivery_sensor, nightly_job, nightly_schedule
from pipelines.resources import default_warehouse

defs = Definitions(
    assets=[*bronze_assets, records, record_clusters, person_xref, published_warehouse],
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[new_delivery_sensor],
    resources={"warehouse": default_warehouse()},
)
