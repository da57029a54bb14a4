"""The Dagster code location: assets, checks, job, schedule, sensor and resources.

`build_definitions` assembles the per-stage lists; `defs` is the code location the daemon and the
UI load, with its resource made from the settings read once here (environment over the machine's
defaults; see warehouse/store/settings.py).
"""

from dagster import Definitions

from assets.ingest import bronze_assets
from assets.matching import matching_assets
from assets.policy import policy_assets
from assets.publish import building_warehouse, published_warehouse
from assets.quality import quality_checks
from assets.resolve import person_xref, record_clusters, records
from assets.review import review_queue
from assets.serve import serve_assets, serve_checks
from pipelines.jobs import new_delivery_sensor, nightly_job, nightly_schedule
from pipelines.resources import WarehouseResource
from warehouse.store.settings import Settings, load_settings


def build_definitions(settings: Settings) -> Definitions:
    """The code location with a resource made from `settings`."""
    return Definitions(
        assets=[
            building_warehouse,
            *bronze_assets,
            records,
            record_clusters,
            person_xref,
            review_queue,
            published_warehouse,
            *serve_assets,
            *policy_assets,
            *matching_assets,
        ],
        asset_checks=[*serve_checks, *quality_checks],
        jobs=[nightly_job],
        schedules=[nightly_schedule],
        sensors=[new_delivery_sensor],
        resources={"warehouse": WarehouseResource.from_settings(settings)},
    )


defs = build_definitions(load_settings())
