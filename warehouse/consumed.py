"""Which complete deliveries in the landing area the published warehouse has not seen yet."""

from __future__ import annotations

from pathlib import Path

from sources.contract import load_contract
from sources.deliveries import Delivery, discover
from warehouse.db import connect, table_exists


def pending_deliveries(landing: Path, published: Path) -> list[str]:
    """Delivery ids (`source/date`) that are complete in the landing area but not yet consumed."""
    found = discover(landing, load_contract())
    ids = sorted(d.delivery_id if isinstance(d, Delivery) else f"{d[0]}/{d[1]}" for d in found)
    if not published.is_file():
        return ids
    with connect(published, read_only=True) as con:
        if not table_exists(con, "deliveries"):
            return ids
        seen = {f"{s}/{d}" for s, d in con.execute("SELECT source, delivery_date FROM deliveries").fetchall()}
    return [i for i in ids if i not in seen]
