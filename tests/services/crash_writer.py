"""Apply one deal ID correction in a process that is killed (SIGKILL) after the CRM write, before the log
row is settled: what a crash, an OOM kill or a pulled plug does at the worst moment.

    python -m tests.services.crash_writer CRM_URL STORE_URL DEAL_ID BEFORE AFTER   (BEFORE "" = empty)

The process never exits normally: `apply_corrections` calls the `after_write` hook once the batch update
has returned, and the hook kills the process. test_crash_settle.py checks what is left behind.
"""

from __future__ import annotations

import os
import signal
import sys

from dashboard.roles import Actor
from dashboard.transforms.corrections import DEAL_PROJECT_ID, ProposedCorrection
from dashboard.writeback import apply_corrections
from services.hubspot import HubSpotClient
from services.store import Store
from tests.sandbox_fixture import TOKEN

CRASHER = Actor("crash.test@example.com", "ops")


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(argv: list[str]) -> None:
    crm_url, store_url, deal_id, before, after = argv
    store = Store(store_url)
    store.migrate()
    proposal = ProposedCorrection(DEAL_PROJECT_ID, deal_id, before or None, after, None, "crash test")
    with HubSpotClient(crm_url, TOKEN) as crm:
        apply_corrections(crm, store, [proposal], actor=CRASHER, after_write=_die)
    sys.exit("the after_write hook did not kill the process")


if __name__ == "__main__":
    main(sys.argv[1:])
