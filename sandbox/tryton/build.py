"""Build the seeded Tryton template database once: venv, module activation, proteus seed.

Three cached stages, each skipped when its output exists with a stamp matching its inputs' hash:

1. `.venv-tryton` with requirements-tryton.txt (stamp: the requirements' hash);
2. `build/tryton/base/`: an empty database with the modules activated by trytond-admin (same stamp);
3. `build/tryton/template/`: a copy of the base, seeded by `seed.py` with the portfolio (stamp: base stamp
   + seed.py + portfolio spec), so changing the portfolio re-seeds without re-activating modules.

Stages write into a temporary directory and rename it into place, and a file lock serializes concurrent
builds, so an interrupted or parallel run never leaves a half-built template behind.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sandbox.tryton import (
    ADMIN_PASSWORD,
    API_PASSWORD,
    API_USER,
    BUILD_DIR,
    DATABASE,
    MODULES,
    REQUIREMENTS,
    TEMPLATE_DB,
    VENV,
)
from sandbox.tryton.portfolio import seed_spec

log = logging.getLogger(__name__)

SEED_SCRIPT = Path(__file__).with_name("seed.py")
STAMP = "stamp.txt"


class BuildError(RuntimeError):
    """A build step failed; the message names the step and the log file to read."""


def trytond_bin(name: str) -> Path:
    """The path of a console script (`trytond`, `trytond-admin`, `python`) inside .venv-tryton."""
    return VENV / "bin" / name


def write_config(
    path: Path, db_dir: Path, *, port: int | None = None, session_max_age: int | None = None
) -> Path:
    """Write a trytond.conf for SQLite databases in `db_dir` (listen port and session age when serving)."""
    lines = ["[database]", "uri = sqlite://", f"path = {db_dir}", ""]
    if port is not None:
        lines += ["[web]", f"listen = 127.0.0.1:{port}", ""]
    # Tryton ends a session after max_age (30 days unless set); the idle timeout applies only to sensitive
    # calls such as a password change.
    lines += ["[session]", "timeout = 3600"]
    if session_max_age is not None:
        lines.append(f"max_age = {session_max_age}")
    lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


def _hash(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def requirements_hash() -> str:
    """The stamp of the venv and the base database: the pinned requirements and the module list."""
    return _hash(REQUIREMENTS.read_bytes(), " ".join(MODULES).encode(), sys.version.encode())


def template_hash() -> str:
    """The stamp of the seeded template: the base stamp, the seed script and the portfolio spec."""
    spec = json.dumps(seed_spec(), sort_keys=True).encode()
    return _hash(requirements_hash().encode(), SEED_SCRIPT.read_bytes(), spec)


def _is_current(directory: Path, stamp: str) -> bool:
    stamp_file = directory / STAMP
    return stamp_file.is_file() and stamp_file.read_text().strip() == stamp


def _run(step: str, args: list[str], log_file: Path, *, env: dict[str, str] | None = None) -> None:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("a") as out:
        out.write(f"\n$ {' '.join(args)}\n")
        out.flush()
        result = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, env=env, check=False)
    if result.returncode != 0:
        tail = "\n".join(log_file.read_text().splitlines()[-15:])
        raise BuildError(f"{step} failed (exit {result.returncode}); see {log_file}:\n{tail}")


@contextmanager
def _build_lock() -> Iterator[None]:
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    with (BUILD_DIR / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _replace_dir(tmp: Path, final: Path, stamp: str) -> None:
    (tmp / STAMP).write_text(stamp + "\n")
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)


def ensure_venv() -> None:
    """Create .venv-tryton and install the pinned Tryton packages, unless already done for these pins."""
    stamp = requirements_hash()
    if _is_current(VENV, stamp):
        return
    log.info("installing %s into %s", REQUIREMENTS.name, VENV)
    started = time.monotonic()
    logs = BUILD_DIR / "logs" / "pip.log"
    if VENV.exists():
        shutil.rmtree(VENV)
    _run("creating .venv-tryton", [sys.executable, "-m", "venv", str(VENV)], logs)
    pip = [str(trytond_bin("python")), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    _run("pip install -r requirements-tryton.txt", [*pip, "-r", str(REQUIREMENTS)], logs)
    (VENV / STAMP).write_text(stamp + "\n")
    log.info("venv ready in %.1f s", time.monotonic() - started)


def _admin_env(workdir: Path) -> dict[str, str]:
    passfile = workdir / "passfile"
    passfile.write_text(ADMIN_PASSWORD + "\n")
    return {**os.environ, "TRYTONPASSFILE": str(passfile)}


def ensure_base() -> Path:
    """An empty database with the modules activated, in build/tryton/base/ (trytond-admin, ~40 s)."""
    final = BUILD_DIR / "base"
    stamp = requirements_hash()
    if _is_current(final, stamp):
        return final / f"{DATABASE}.sqlite"
    log.info("creating the database and activating %s", ", ".join(MODULES))
    started = time.monotonic()
    tmp = BUILD_DIR / "base.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    # The SQLite backend refuses to initialise a database file that does not exist yet.
    (tmp / f"{DATABASE}.sqlite").touch()
    conf = write_config(tmp / "trytond.conf", tmp)
    args = [str(trytond_bin("trytond-admin")), "-c", str(conf), "-d", DATABASE]
    # --email answers the prompt trytond-admin shows on a first init, which would fail without a tty.
    args += ["--email", "admin@example.com", "-u", *MODULES, "--activate-dependencies"]
    _run("trytond-admin (module activation)", args, BUILD_DIR / "logs" / "admin.log", env=_admin_env(tmp))
    (tmp / "passfile").unlink()
    _replace_dir(tmp, final, stamp)
    log.info("modules activated in %.1f s", time.monotonic() - started)
    return final / f"{DATABASE}.sqlite"


def ensure_template() -> Path:
    """The seeded template database build/tryton/template/throughline.sqlite, built when missing or stale."""
    with _build_lock():
        final = TEMPLATE_DB.parent
        stamp = template_hash()
        if _is_current(final, stamp) and TEMPLATE_DB.is_file():
            return TEMPLATE_DB
        ensure_venv()
        base = ensure_base()
        log.info("seeding the portfolio")
        started = time.monotonic()
        tmp = BUILD_DIR / "template.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        shutil.copy2(base, tmp / base.name)
        conf = write_config(tmp / "trytond.conf", tmp)
        spec_file = tmp / "spec.json"
        spec = seed_spec() | {"api_user": {"login": API_USER, "password": API_PASSWORD}}
        spec_file.write_text(json.dumps(spec, indent=1))
        args = [str(trytond_bin("python")), str(SEED_SCRIPT), "--config", str(conf)]
        args += ["--database", DATABASE, "--spec", str(spec_file)]
        try:
            _run("seed.py (proteus)", args, BUILD_DIR / "logs" / "seed.log")
        finally:
            spec_file.unlink(missing_ok=True)  # it holds the API password
        _replace_dir(tmp, final, stamp)
        log.info("portfolio seeded in %.1f s", time.monotonic() - started)
        return TEMPLATE_DB


def main() -> None:
    """Build (or confirm) the template and report how long it took."""
    logging.basicConfig(level=logging.INFO, format="[tryton build] %(message)s")
    started = time.monotonic()
    path = ensure_template()
    log.info("template ready: %s (%.1f s)", path, time.monotonic() - started)


if __name__ == "__main__":
    main()
