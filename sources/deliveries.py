"""Find complete deliveries in the landing area and check them against their manifests."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from sources.contract import SourceSpec

MANIFEST = "_manifest.json"
DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ManifestFile:
    """One file as the manifest lists it."""

    name: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class Delivery:
    """A complete delivery folder: `<landing>/<source>/<YYYY-MM-DD>/` with its manifest."""

    source: str
    delivery_date: str
    path: Path
    files: tuple[ManifestFile, ...]

    @property
    def delivery_id(self) -> str:
        """`source/date`, the delivery's name in logs, tables and the sensor cursor."""
        return f"{self.source}/{self.delivery_date}"


@dataclass(frozen=True)
class UnreadableDelivery:
    """A delivery folder whose manifest cannot be parsed: rejected whole, with the reason."""

    source: str
    delivery_date: str
    path: Path
    reason: str

    @property
    def delivery_id(self) -> str:
        """`source/date`, as for `Delivery`."""
        return f"{self.source}/{self.delivery_date}"


class ManifestError(Exception):
    """The delivery does not match its manifest; it is rejected whole."""


def _text(value: object) -> str:
    """A manifest string; one holding an invalid Unicode escape raises (UnicodeEncodeError is a ValueError)."""
    text = str(value)
    text.encode("utf-8")
    return text


def _parse_manifest(path: Path) -> tuple[ManifestFile, ...]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
        return tuple(
            ManifestFile(name=_text(f["name"]), rows=int(f["rows"]), sha256=_text(f["sha256"]).lower())
            for f in raw["files"]
        )
    except (OSError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise ManifestError(f"清单 {MANIFEST} 无法解析: {exc}") from exc


def discover(landing: Path, contract: dict[str, SourceSpec]) -> list[Delivery | UnreadableDelivery]:
    """All delivery folders of contract sources that carry a manifest, oldest first.

    A folder whose manifest cannot be parsed is an `UnreadableDelivery`, so the caller reports
    it as rejected; folders still being copied (no manifest) are skipped.
    """
    found: list[Delivery | UnreadableDelivery] = []
    for source in contract:
        source_dir = landing / source
        if not source_dir.is_dir():
            continue
        for folder in sorted(p for p in source_dir.iterdir() if p.is_dir() and DATE_DIR.match(p.name)):
            manifest = folder / MANIFEST
            if not manifest.is_file():
                continue
            try:
                found.append(Delivery(source, folder.name, folder, _parse_manifest(manifest)))
            except ManifestError as exc:
                found.append(UnreadableDelivery(source, folder.name, folder, str(exc)))
    return found


def delivery_ids(landing: Path, contract: dict[str, SourceSpec]) -> list[str]:
    """`source/date` of every delivery folder with a manifest (readable or not), sorted."""
    return sorted(d.delivery_id for d in discover(landing, contract))


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_files(delivery: Delivery, spec: SourceSpec) -> list[str]:
    """Check presence, contract names and sha256 of each listed file; return warnings.

    Raises ManifestError for anything that rejects the delivery. Row counts are checked by
    the caller after parsing (`check_rows`), since counting records needs the parser.
    """
    warnings: list[str] = []
    listed = {f.name for f in delivery.files}
    if len(listed) != len(delivery.files):
        raise ManifestError("清单重复列出了同一个文件")
    if not any(spec.person_file.matches(name) for name in listed):
        raise ManifestError(f"清单中没有人员文件 {spec.person_file.name}")
    for f in delivery.files:
        if spec.file_spec(f.name) is None:
            raise ManifestError(f"清单列出了契约外的文件 {f.name}")
        path = delivery.path / f.name
        if not path.is_file():
            raise ManifestError(f"清单列出的文件 {f.name} 不存在")
        try:
            actual = sha256_of(path)
        except OSError as exc:
            raise ManifestError(f"清单列出的文件 {f.name} 无法读取 ({exc.strerror or exc})") from exc
        if actual != f.sha256:
            raise ManifestError(f"{f.name} 的 sha256 与清单不符（清单 {f.sha256[:12]}…，实际 {actual[:12]}…）")
    for extra in sorted(p.name for p in delivery.path.iterdir() if p.is_file()):
        if extra != MANIFEST and extra not in listed:
            warnings.append(f"{delivery.delivery_id}: 清单外的文件 {extra} 未读取")
    for related in spec.files[1:]:
        if not any(related.matches(name) for name in listed):
            warnings.append(f"{delivery.delivery_id}: 本次交付缺少 {related.name}")
    return warnings


def check_rows(file: ManifestFile, records_read: int) -> None:
    """Reject when the parsed record count differs from the manifest's."""
    if records_read != file.rows:
        raise ManifestError(f"{file.name} 的记录数为 {records_read}，清单为 {file.rows}")
