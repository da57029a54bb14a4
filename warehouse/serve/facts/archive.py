"""`fact_archive`: where a person's personnel file is kept (one row per archive record)."""

from __future__ import annotations

import duckdb

from warehouse.serve import normalise as nz
from warehouse.serve.context import RESTRICTED
from warehouse.serve.facts.frames import person_rows
from warehouse.store.db import write_table

ARCHIVE_STATUS = ("在库", "已转出")


def build_fact_archive(con: duckdb.DuckDBPyConnection) -> int:
    """Write `restricted.fact_archive`; return its row count."""
    raw = person_rows(
        con,
        "archives",
        [],
        {
            "archive_no": "archive_no",
            "custodian": "custodian",
            "archived_raw": "archived_on",
            "status": "status",
            "transferred_to": "transferred_to",
            "hukou_place": "hukou_place",
        },
    )
    status = nz.clean_text(raw["status"])
    frame = raw.select(
        "person_id",
        "record_uid",
        "delivery_date",
        nz.clean_text(raw["archive_no"]).alias("archive_no"),
        nz.clean_text(raw["custodian"]).alias("custodian"),
        nz.parse_date_values(raw["archived_raw"]).alias("archived_on"),
        status.alias("archive_status"),
        nz.status_is(status, "在库", ARCHIVE_STATUS).alias("in_custody"),
        nz.clean_text(raw["transferred_to"]).alias("transferred_to"),
        nz.clean_text(raw["hukou_place"]).alias("hukou_place"),
    ).sort("person_id", "record_uid")
    return write_table(con, f"{RESTRICTED}.fact_archive", frame)
