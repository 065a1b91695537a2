"""Real sandbox servers for tests: `python -m sandbox serve` on free ports, stopped by process group."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from sandbox.server import free_port, start_process, stop_process

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 1)
TOKEN = "sandbox-token"
ODOO = {"database": "sandbox", "login": "admin", "api_key": "sandbox-key"}


@dataclass
class RunningSandbox:
    crm_url: str
    erp_url: str
    db: Path
    deals: int
    seed: int
    process: subprocess.Popen[bytes]

    def manifest(self) -> list[dict[str, Any]]:
        """The ground truth of the deliberate ID problems, from the CLI, as a user would get it."""
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "sandbox",
                "manifest",
                "--deals",
                str(self.deals),
                "--seed",
                str(self.seed),
            ],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        return list(json.loads(out.stdout))

    def faults(self, system: str, **changes: Any) -> None:
        """Set faults on the 'crm' or 'erp' server through the control path."""
        url = self.crm_url if system == "crm" else self.erp_url
        httpx.post(f"{url}/__sandbox__/faults", json=changes, timeout=5).raise_for_status()

    def reset(self) -> None:
        for url in (self.crm_url, self.erp_url):
            httpx.post(f"{url}/__sandbox__/faults/reset", timeout=5).raise_for_status()

    def stats(self, system: str) -> dict[str, int]:
        url = self.crm_url if system == "crm" else self.erp_url
        return dict(httpx.get(f"{url}/__sandbox__/stats", timeout=5).json())

    def patch(self, object_type: str, updates: dict[str, dict[str, str]]) -> None:
        """Change records in the HubSpot sandbox as someone in HubSpot would (a batch update over plain HTTP,
        not through the client under test)."""
        inputs = [{"id": record_id, "properties": props} for record_id, props in updates.items()]
        response = httpx.post(
            f"{self.crm_url}/crm/v3/objects/{object_type}/batch/update",
            json={"inputs": inputs},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        response.raise_for_status()

    def reset_stats(self) -> None:
        for url in (self.crm_url, self.erp_url):
            httpx.post(f"{url}/__sandbox__/stats/reset", timeout=5).raise_for_status()


@contextmanager
def running_sandbox(
    db: Path, *, deals: int = 300, seed: int = 7, extra: tuple[str, ...] = ()
) -> Iterator[RunningSandbox]:
    """A sandbox serving a portfolio of `deals` deals built in `db`, on two free ports."""
    crm_port, erp_port = free_port(), free_port()
    args = [
        "--crm-port", str(crm_port), "--erp-port", str(erp_port), "--deals", str(deals), "--seed", str(seed),
        "--db", str(db), "--as-of", AS_OF.isoformat(), *extra,
    ]  # fmt: skip
    crm_url, erp_url = f"http://127.0.0.1:{crm_port}", f"http://127.0.0.1:{erp_port}"
    process = start_process(args, crm_url, erp_url, log=db.with_suffix(".log"))
    try:
        yield RunningSandbox(crm_url, erp_url, db, deals, seed, process)
    finally:
        stop_process(process)
