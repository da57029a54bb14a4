"""Great Expectations in a worker process, so that its import (about 3 s) overlaps the run's start-up.

The worker (`python -m quality.gx_worker`) imports GE once and then serves requests over two pipes:
open a session (one ephemeral GE context, as `GxSession`), validate a frame, build Data Docs, close.
`prestart()` launches it as early as possible (the CLI calls it before loading Dagster), on the
machine's other core; otherwise the first `gx_session()` launches it. One worker serves the whole
process; it is stopped at exit, and exits by itself on end of input if the process dies first.

A `RemoteGxSession` has `GxSession`'s interface; its `seconds` count how long the caller waited,
so a run's GE timings are the time GE added to it, and `import_seconds` is the worker's import.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import gc
import itertools
import os
import subprocess
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

import polars as pl

from quality.gx import GxSession, SuiteValidation, load_gx
from quality.rules import Rule


class GxWorkerError(RuntimeError):
    """The worker failed a request or died; the message carries its traceback."""


class _Worker:
    """The client end of a running worker process.

    A call that does not get its reply (the worker died, or the caller was interrupted between
    request and reply) stops the worker: a reply left in the pipe would answer the next request.
    """

    def __init__(self) -> None:
        to_worker_read, to_worker_write = os.pipe()
        from_worker_read, from_worker_write = os.pipe()
        # `-P` and the package root on PYTHONPATH: the worker imports this very `quality` package,
        # never one that happens to lie in the current directory.
        package_root = str(Path(__file__).resolve().parents[1])
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-m", "quality.gx_worker", str(to_worker_read), str(from_worker_write)],
            pass_fds=(to_worker_read, from_worker_write),
            stdin=subprocess.DEVNULL,
            stdout=2,  # GE's own prints, if any, go to our stderr, never into the protocol
            env=env,
            start_new_session=True,  # Ctrl-C at the terminal interrupts the run, which then stops the worker
        )
        os.close(to_worker_read)
        os.close(from_worker_write)
        self._requests = Connection(to_worker_write, readable=False)
        self._replies = Connection(from_worker_read, writable=False)
        self._lock = threading.Lock()
        self._handles = itertools.count(1)
        self.owner = os.getpid()  # a forked child must not use or stop its parent's worker
        self.alive = True
        self.import_reported = False

    def call(self, op: str, handle: int, *args: Any) -> Any:
        with self._lock:
            if not self.alive:
                raise GxWorkerError("Great Expectations 工作进程已停止")
            answered = False
            try:
                self._requests.send((op, handle, args))
                status, value = self._replies.recv()
                answered = True
            except (EOFError, OSError) as exc:
                raise GxWorkerError(f"Great Expectations 工作进程已退出（退出码 {self.process.poll()}）") from exc
            finally:
                if not answered:
                    self.stop()
        if status == "error":
            raise GxWorkerError(f"Great Expectations 工作进程出错：\n{value}")
        return value

    def new_handle(self) -> int:
        return next(self._handles)

    def stop(self) -> None:
        """End the worker now (it holds nothing that needs saving between requests)."""
        self.alive = False
        self._requests.close()
        self._replies.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_worker: _Worker | None = None
_worker_lock = threading.Lock()


def _stop_shared_worker() -> None:
    if _worker is not None and _worker.alive and _worker.owner == os.getpid():
        _worker.stop()


atexit.register(_stop_shared_worker)


def _shared_worker() -> _Worker:
    global _worker
    with _worker_lock:
        if _worker is not None and _worker.owner != os.getpid():
            _worker = None  # inherited through fork: the parent's, left alone
        if _worker is not None and _worker.alive and _worker.process.poll() is not None:
            _worker.stop()  # died between calls
        if _worker is None or not _worker.alive:
            _worker = _Worker()
        return _worker


def prestart() -> None:
    """Launch the worker now, so GE is imported while the caller does other work."""
    _shared_worker()


class RemoteGxSession:
    """A `GxSession` living in the worker; `seconds` is the time spent waiting for it."""

    def __init__(self) -> None:
        started = time.perf_counter()
        self._worker = _shared_worker()
        self._handle = self._worker.new_handle()
        worker_import = self._worker.call("open", self._handle)
        # The worker's import is reported once per worker, by the first session.
        self.import_seconds = 0.0 if self._worker.import_reported else worker_import
        self._worker.import_reported = True
        self.seconds = time.perf_counter() - started

    def _timed(self, op: str, *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return self._worker.call(op, self._handle, *args)
        finally:
            self.seconds += time.perf_counter() - started

    def validate(
        self, frame: pl.DataFrame, rules: list[Rule], suite: str, batch: str, id_column: str
    ) -> SuiteValidation:
        """`GxSession.validate`, in the worker."""
        return cast(SuiteValidation, self._timed("validate", frame, rules, suite, batch, id_column))

    def build_data_docs(self, validations: list[tuple[str, str, str]], out_dir: Path, run_name: str) -> Path:
        """`GxSession.build_data_docs`, in the worker (a relative `out_dir` is taken from our directory)."""
        return cast(Path, self._timed("docs", validations, out_dir.resolve(), run_name))

    def close(self) -> None:
        """Drop the session's GE context in the worker.

        Never raises: a worker that died took the context with it, and the error that matters
        (if any) is the one the session's user is already handling.
        """
        if self._worker.alive:
            with contextlib.suppress(GxWorkerError):
                self._worker.call("close", self._handle)

    def __enter__(self) -> RemoteGxSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def gx_session() -> RemoteGxSession:
    """A new GE session (its own ephemeral context) in the process's worker."""
    return RemoteGxSession()


def _release_memory() -> None:
    """Hand the memory of the last request's frames back to the system while the worker waits.

    The worker lives through the whole run; without this, glibc keeps the freed heap of the largest
    validation frame (hundreds of MB at 200,000 persons) beside the pipeline's own peak.
    """
    gc.collect()
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc only
    if trim is not None:
        trim(0)


def _serve(requests: Connection, replies: Connection) -> None:
    """Answer requests until the client closes its end."""
    _, import_seconds = load_gx()
    sessions: dict[int, GxSession] = {}
    while True:
        try:
            op, handle, args = requests.recv()
        except EOFError:
            return
        try:
            if op == "open":
                sessions[handle] = GxSession()
                value: Any = import_seconds
            elif op == "close":
                sessions.pop(handle, None)
                value = None
            elif op == "validate":
                value = sessions[handle].validate(*args)
            elif op == "docs":
                value = sessions[handle].build_data_docs(*args)
            else:
                raise ValueError(f"未知的请求 {op}")
            replies.send(("ok", value))
        except Exception:  # every failure goes back to the caller, who raises it
            replies.send(("error", traceback.format_exc()))
        if op == "close":
            _release_memory()


if __name__ == "__main__":
    # GE probes for every optional backend at import; with pyspark installed (for Splink on Spark)
    # that import costs seconds and warns about pandas. This process validates pandas frames only.
    sys.modules["pyspark"] = None  # type: ignore[assignment]
    _serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False))
