"""Landing-area helpers shared by the reader and hostile-file tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path


def deliver(landing: Path, source: str, date: str, files: dict[str, bytes], rows: dict[str, int]) -> Path:
    """Write a delivery folder: the files, then a manifest with the given row counts and their sha256."""
    folder = landing / source / date
    folder.mkdir(parents=True)
    listed = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        listed.append({"name": name, "rows": rows[name], "sha256": hashlib.sha256(data).hexdigest()})
    manifest = {"source": source, "delivery_date": date, "files": listed}
    (folder / "_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder
