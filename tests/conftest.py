"""Session fixtures: the runs several modules share, built once per test session.

Each is built on first use in the session's base temp directory, which pytest-xdist's workers
share: a file lock lets the first worker build it and the others wait for it, then read it.
Shared files are read-only for tests: a test that writes copies what it needs to its tmp_path
first. Each shared folder is checked at the end of the session to be as it was built.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from filelock import FileLock
from shared_runs import PublishedRun, build_published, build_two_nights, read_published

REPOSITORY = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_inputs() -> Path:
    """The workplace's shared inputs (contract, policy texts) beside this checkout, when there.

    The project keeps its own copies and the tests read those; only a comparison of a copy with
    its original uses this, and it is skipped in a clone of the project alone."""
    folder = REPOSITORY.parent / "shared"
    if not folder.is_dir():
        pytest.skip("the workplace's shared inputs are not beside this checkout (a clone of the project alone)")
    return folder


def _session_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder this session's workers share: the base temp of the run, not of one worker."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _state(folder: Path) -> dict[str, tuple[int, int]]:
    """(size, modification time) of every file under `folder`."""
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file()
    }


def _built_once(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """`root/name`, built by `build` unless another worker already built it (a half-built one is redone)."""
    root = _session_root(tmp_path_factory)
    folder, done = root / name, root / f"{name}.built"
    with FileLock(root / f"{name}.lock"):
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            build(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def _shared_folders_guard() -> Iterator[Callable[[Path], Path]]:
    """Registers shared folders; at the end of the session each must hold what it held when built."""
    folders: dict[Path, dict[str, tuple[int, int]]] = {}

    def register(folder: Path) -> Path:
        folders.setdefault(folder, _state(folder))
        return folder

    yield register
    changed = {
        str(folder): sorted(set(_state(folder).items()) ^ set(state.items())) for folder, state in folders.items()
    }
    assert not {k: v for k, v in changed.items() if v}, f"a test wrote into a shared run: {changed}"


@pytest.fixture(scope="session")
def published_run(
    tmp_path_factory: pytest.TempPathFactory, _shared_folders_guard: Callable[[Path], Path]
) -> PublishedRun:
    """A generated landing area and the warehouse its first run published (never written)."""
    return read_published(_shared_folders_guard(_built_once(tmp_path_factory, "published", build_published)))


@pytest.fixture(scope="session")
def two_nights(
    tmp_path_factory: pytest.TempPathFactory, published_run: PublishedRun, _shared_folders_guard: Callable[[Path], Path]
) -> dict[str, Path]:
    """The published run, the next night's deliveries and its incremental run (never written):
    `out` (landing area, truth, `second.log`), `first` and `second` (the two nights' warehouses)."""
    out = _shared_folders_guard(
        _built_once(tmp_path_factory, "two_nights", lambda f: build_two_nights(published_run.out, f))
    )
    return {"out": out, "first": out / "first.duckdb", "second": out / "warehouse.duckdb"}
