"""The demo portfolio: a deterministic CRM + ERP data set with known project-ID problems.

`plan_portfolio` builds every row in memory from (deals, seed, as_of); `write_portfolio` bulk-inserts
them into the sandbox database (`sandbox.db`). Everything is drawn as "days before as_of", so another
`as_of` shifts the dates and nothing else: record ids, project codes and the deliberate ID problems
(`manifest`) depend only on (deals, seed). Independent random streams (`random.Random("<seed>:<purpose>")`)
keep the manifest independent of the CRM details and of the ERP volume, too.

The CRM side is stored as HubSpot sends it (every property a string or null); the ERP side as Odoo 17 does.

The plan is drawn in layers, a module each: skeleton.py (customers, deals, project codes and problems),
delivery.py (how each project went), clock.py (days before as_of as dates and instants), crm.py and erp.py
(the rows of each side), put together by plan.py into tables.py's TableRows; writer.py inserts them.
"""

from sandbox.portfolio.plan import Portfolio, manifest, plan_portfolio
from sandbox.portfolio.skeleton import (
    CODE_PREFIX,
    GAPS,
    HISTORY_DAYS,
    MALFORMED_VARIANTS,
    PROBLEM_KINDS,
    Problem,
    ProblemKind,
    problem_counts,
)
from sandbox.portfolio.tables import COLUMNS, TableRows
from sandbox.portfolio.writer import write_portfolio

__all__ = [
    "CODE_PREFIX",
    "COLUMNS",
    "GAPS",
    "HISTORY_DAYS",
    "MALFORMED_VARIANTS",
    "PROBLEM_KINDS",
    "Portfolio",
    "Problem",
    "ProblemKind",
    "TableRows",
    "manifest",
    "plan_portfolio",
    "problem_counts",
    "write_portfolio",
]
