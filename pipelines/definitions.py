"""The Dagster code location: assets, checks, job, schedule, sensor and resources."""

from dagster import Definitions

from assets.ingest import bronze_assets
from assets.publish import building_warehouse, published_warehouse
from assets.quality import quality_checks
from assets.resolve import person_xref, record_clusters, records
from assets.review import review_queue
from assets.serve import serve_assets, serve_checks
from pipelines.jobs import new_delivery_sensor, nightly_job, nightly_schedule
from pipelines.resources import default_warehouse

defs = Definitions(
    assets=[
        building_warehouse,
        *bronze_assets,
        records,
        record_clusters,
        person_xref,
        review_queue,
        published_warehouse,
        *serve_assets,
    ],
    asset_checks=[*serve_checks, *quality_checks],
    jobs=[nightly_job],
    schedules=[nightly_schedule],
    sensors=[new_delivery_sensor],
    resources={"warehouse": default_warehouse()},
)
