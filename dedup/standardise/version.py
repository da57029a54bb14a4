"""The standardisation version: a fingerprint of the code and data that standardise records.

Unchanged raw rows keep last night's standardised values only while this fingerprint is the same
(it is part of each row's `raw_hash`). It covers the syntax tree of every module of
`dedup/standardise/` and `dedup/records.py` (so comments and formatting do not count), their data
files, and the versions of the libraries whose tables they use; a change to any of them
re-standardises every row on the next night, without a version to bump by hand.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).parent
# Libraries whose data decide standardised values (readings, conversions, number plans, codes).
LIBRARIES = ("pypinyin", "opencc", "python-stdnum", "phonenumbers", "pycountry", "ToJyutping", "polars")


def standardisation_files(package: Path = PACKAGE) -> list[Path]:
    """The modules and data files of the standardisation, in a fixed order."""
    files = [*package.rglob("*.py"), *(package / "data").rglob("*"), package.parent / "records.py"]
    return sorted(f for f in files if f.is_file() and "__pycache__" not in f.parts)


def fingerprint(files: list[Path], libraries: tuple[str, ...] = LIBRARIES) -> str:
    """16 hex digits over the files (Python by syntax tree) and the library versions."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        if path.suffix == ".py":
            digest.update(ast.dump(ast.parse(path.read_text(encoding="utf-8"))).encode())
        else:
            digest.update(path.read_bytes())
    for library in libraries:
        try:
            digest.update(f"{library}=={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library} missing".encode())
    return digest.hexdigest()[:16]


@cache
def standardise_version() -> str:
    """The fingerprint of this installation's standardisation."""
    return fingerprint(standardisation_files())
