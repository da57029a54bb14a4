"""Which complete deliveries in the landing area the published warehouse has not seen yet."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from warehouse.store.db import connect, table_exists


def unconsumed(delivery_ids: Iterable[str], published: Path) -> list[str]:
    """The delivery ids (`source/date`) the published warehouse has not recorded, sorted."""
    ids = sorted(delivery_ids)
    if not published.is_file():
        return ids
    with connect(published, read_only=True) as con:
        if not table_exists(con, "deliveries"):
            return ids
        seen = {f"{s}/{d}" for s, d in con.execute("SELECT source, delivery_date FROM deliveries").fetchall()}
    return [i for i in ids if i not in seen]
