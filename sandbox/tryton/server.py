"""Serve a fresh copy of the seeded Tryton database with a real `trytond` on a free 127.0.0.1 port.

    with TrytonServer() as server:            # copies the template, starts trytond, waits until it answers
        client = TrytonClient(server.url, server.database, server.user, server.password)

Each server gets its own copy of the template in a new directory under build/tryton/runs/, so tests never
change the template and two servers never share a file. trytond writes its pid to a pidfile and is stopped
by that pid (SIGTERM, then SIGKILL after a grace period); its run directory is removed afterwards.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import httpx

from sandbox.tryton import API_PASSWORD, API_USER, BUILD_DIR, DATABASE, TEMPLATE_DB
from sandbox.tryton.build import trytond_bin, write_config

READY_TIMEOUT_S = 60.0
STOP_GRACE_S = 10.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TrytonServer:
    """One trytond process serving a private copy of the seeded template database."""

    def __init__(
        self, *, port: int | None = None, template: Path = TEMPLATE_DB, session_max_age: int | None = None
    ) -> None:
        self.port = port or free_port()
        self.template = template
        self.session_max_age = session_max_age
        self.database = DATABASE
        self.user = API_USER
        self.password = API_PASSWORD
        self.run_dir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's base URL; JSON-RPC lives at `{url}/{database}/rpc/`."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pidfile(self) -> Path:
        """Where trytond writes its pid."""
        if self.run_dir is None:
            raise RuntimeError("the Tryton server is not started")
        return self.run_dir / "trytond.pid"

    @property
    def log_file(self) -> Path:
        """The server's combined stdout and stderr."""
        return self.pidfile.with_name("trytond.log")

    def start(self) -> TrytonServer:
        """Copy the template into a new run directory, start trytond and wait until it answers."""
        if not self.template.is_file():
            raise FileNotFoundError(
                f"no Tryton template at {self.template}: run `python -m sandbox.tryton build`"
            )
        runs = BUILD_DIR / "runs"
        runs.mkdir(parents=True, exist_ok=True)
        self.run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=runs))
        shutil.copy2(self.template, self.run_dir / f"{self.database}.sqlite")
        conf = write_config(
            self.run_dir / "trytond.conf", self.run_dir, port=self.port, session_max_age=self.session_max_age
        )
        args = [
            str(trytond_bin("trytond")),
            "-c",
            str(conf),
            "-d",
            self.database,
            "--pidfile",
            str(self.pidfile),
        ]
        with self.log_file.open("wb") as log:
            self.process = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        body = {"id": 0, "method": "common.server.version", "params": []}
        with httpx.Client(timeout=2.0) as http:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise RuntimeError(f"trytond exited with {self.process.returncode}:\n{self._log_tail()}")
                with contextlib.suppress(httpx.TransportError):
                    if http.post(f"{self.url}/rpc/", json=body).status_code == 200:
                        return
                time.sleep(0.1)
        raise TimeoutError(f"trytond did not answer within {READY_TIMEOUT_S:.0f} s:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-20:])

    @property
    def pid(self) -> int | None:
        """trytond's pid, from its pidfile (the process's own pid until trytond has written it)."""
        if self.run_dir is not None:
            with contextlib.suppress(OSError, ValueError):
                return int(self.pidfile.read_text().strip())
        return self.process.pid if self.process is not None else None

    def stop(self) -> None:
        """Stop trytond by its pid (SIGTERM, SIGKILL after a grace period) and remove the run directory."""
        pid = self.pid
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            if self.process is not None:
                try:
                    self.process.wait(timeout=STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    os.kill(pid, signal.SIGKILL)
                    self.process.wait(timeout=STOP_GRACE_S)
        self.process = None
        if self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)
            self.run_dir = None

    def __enter__(self) -> TrytonServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
