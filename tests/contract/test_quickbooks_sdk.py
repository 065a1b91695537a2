"""The QuickBooks sandbox read with python-quickbooks, the client most Python users run (with Intuit's
intuit-oauth for its tokens): the sandbox answers the way that library expects, and every project's cost,
invoiced, paid, outstanding and margin on the dashboard equal, to the cent, the figures this test adds up
itself from the raw entities the library reads, including an invoice with lines for two projects, credit
memos, bills split across projects and time at several cost rates."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from quickbooks import QuickBooks
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import AuthorizationException, QuickbooksException, ValidationException
from quickbooks.objects import (
    Account,
    Bill,
    CreditMemo,
    Customer,
    Employee,
    Invoice,
    JournalEntry,
    Purchase,
    TimeActivity,
    VendorCredit,
)

from dashboard import columns as c
from dashboard.analysis import analyze, params_from_settings
from dashboard.snapshot import refresh_snapshot
from dashboard.wiring import build_clients
from sandbox.quickbooks.oauth import app_keys
from services.errors import RateLimitError
from services.quickbooks import QuickBooksClient
from tests.quickbooks_fixture import AS_OF, quickbooks_sandbox, settings_for
from tests.sandbox_fixture import RunningSandbox

CENT = Decimal("0.01")


def connect(sandbox: RunningSandbox, *, pace: bool = True) -> QuickBooks:
    """python-quickbooks on the sandbox, the way its README connects, with a grant of its own."""
    keys = app_keys(sandbox.seed)
    auth = AuthClient(
        keys.client_id, keys.client_secret, keys.redirect_uris[0],
        environment=f"{sandbox.erp_url}/.well-known/openid_configuration",
    )  # fmt: skip
    consent = httpx.get(auth.get_authorization_url([Scopes.ACCOUNTING]), timeout=10)
    query = httpx.URL(consent.headers["location"]).params
    auth.get_bearer_token(query["code"], realm_id=query["realmId"])
    qb = QuickBooks(
        auth_client=auth, refresh_token=auth.refresh_token, company_id=query["realmId"], minorversion=75
    )
    qb.api_url_v3 = qb.sandbox_api_url_v3 = f"{sandbox.erp_url}/v3"  # api_url is a read-only property
    return paced(qb) if pace else qb


def paced(qb: QuickBooks) -> QuickBooks:
    """Keep python-quickbooks within Intuit's 10 requests a second (it has no limiter of its own)."""
    qb.session.hooks["response"].append(lambda response, *args, **kwargs: time.sleep(0.11))
    return qb


@pytest.fixture(scope="module")
def qb(qbo_demo: RunningSandbox) -> Iterator[QuickBooks]:
    # python-quickbooks sends through requests-oauthlib, which refuses plain http:// unless told otherwise
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
        yield connect(qbo_demo)


def throttled(sandbox: RunningSandbox) -> dict[str, int]:
    """The sandbox's count of throttled requests, by the limit they hit."""
    return dict(httpx.get(f"{sandbox.erp_url}/__sandbox__/quickbooks/throttled", timeout=5).json())


def every(kind: Any, qb: QuickBooks, where: str = "") -> list[Any]:
    """Every row of a type, 1000 a page, as a python-quickbooks user pages (`where` with STARTPOSITION)."""
    rows, start = [], 1
    while True:
        page = kind.where(where, order_by="Id", start_position=start, max_results=1000, qb=qb)
        rows.extend(page)
        if len(page) < 1000:
            return rows
        start += 1000


def D(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def raw_ref(value: Any) -> str | None:
    """A reference as python-quickbooks hands it: a Ref object, or a plain dict for fields it does not know
    (Line.ProjectRef, Invoice.ProjectRef)."""
    if isinstance(value, dict):
        return str(value.get("value")) if value.get("value") else None
    found = getattr(value, "value", None)
    return str(found) if found else None


class ByHand:
    """Per project, the figures added up here from the raw entities, by the rules in the README."""

    def __init__(self, qb: QuickBooks) -> None:
        self.sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        self.rates: dict[str, set[Decimal]] = defaultdict(set)
        self.cases: dict[str, set[str]] = defaultdict(set)
        employees = {
            str(e.Id): D(getattr(e, "CostRate", 0)) for e in every(Employee, qb, "Active IN (true, false)")
        }
        expense_accounts = {str(a.Id) for a in every(Account, qb) if a.Classification == "Expense"}
        for activity in every(TimeActivity, qb):
            self.time(activity, employees)
        for kind, sign in ((Bill, 1), (VendorCredit, -1)):
            for bill in every(kind, qb):
                projects = set()
                for line in bill.Line:
                    project = raw_ref(getattr(line, "ProjectRef", None)) or raw_ref(
                        line.AccountBasedExpenseLineDetail.CustomerRef
                    )
                    self.sums[str(project)]["vendor"] += sign * D(line.Amount)
                    projects.add(project)
                if len(projects) > 1:
                    self.cases["split bill"] |= projects
        for purchase in every(Purchase, qb):
            for line in purchase.Line:
                project = raw_ref(line.AccountBasedExpenseLineDetail.CustomerRef)
                self.sums[str(project)]["other"] += (-1 if purchase.Credit else 1) * D(line.Amount)
        for entry in every(JournalEntry, qb):
            for line in entry.Line:
                detail = line.JournalEntryLineDetail
                if raw_ref(detail.AccountRef) in expense_accounts and detail.Entity:
                    sign = -1 if detail.PostingType == "Credit" else 1
                    self.sums[str(raw_ref(detail.Entity.EntityRef))]["other"] += sign * D(line.Amount)
        for kind, sign in ((Invoice, 1), (CreditMemo, -1)):
            for document in every(kind, qb):
                self.sale(document, sign)

    def time(self, activity: Any, employees: dict[str, Decimal]) -> None:
        if activity.Hours not in (None, "") or activity.Minutes not in (None, ""):
            hours = D(activity.Hours) + D(activity.Minutes) / 60
        else:
            start, end = datetime.fromisoformat(activity.StartTime), datetime.fromisoformat(activity.EndTime)
            hours = D((end - start).total_seconds()) / 3600
        rate = (
            D(activity.CostRate)
            if activity.CostRate not in (None, "")
            else employees[raw_ref(activity.EmployeeRef) or ""]
        )
        project = str(raw_ref(activity.CustomerRef))
        self.sums[project]["labor"] += (hours * rate).quantize(CENT)
        self.rates[project].add(rate)

    def sale(self, document: Any, sign: int) -> None:
        header = raw_ref(getattr(document, "ProjectRef", None)) or raw_ref(document.CustomerRef)
        weights: dict[str, Decimal] = defaultdict(Decimal)
        for line in document.Line:
            if line.DetailType == "SalesItemLineDetail":
                weights[raw_ref(getattr(line, "ProjectRef", None)) or str(header)] += D(line.Amount)
        whole = sum(weights.values())
        total, balance = D(document.TotalAmt), D(document.Balance)
        untaxed = total - D(document.TxnTaxDetail.TotalTax if document.TxnTaxDetail else 0)
        for project, weight in weights.items():
            share = {
                k: (v * weight / whole).quantize(CENT)
                for k, v in (("u", untaxed), ("t", total), ("b", balance))
            }
            self.sums[project]["invoiced"] += sign * share["u"]
            self.sums[project]["paid"] += sign * (share["t"] - share["b"])
            self.sums[project]["outstanding"] += sign * share["b"]
        if len(weights) > 1:
            self.cases["invoice for two projects"] |= set(weights)
        if sign < 0:
            self.cases["credit memo"] |= set(weights)


def test_every_projects_figures_equal_those_added_up_from_the_raw_entities(
    qbo_demo: RunningSandbox, qb: QuickBooks
) -> None:
    by_hand = ByHand(qb)
    settings = settings_for(qbo_demo)
    clients = build_clients(settings)
    try:
        snapshot = refresh_snapshot(clients.crm, clients.erp)
    finally:
        clients.close()
    figures = analyze(snapshot, params_from_settings(settings, as_of=AS_OF)).figures
    owned = figures[c.ERP_RECORD_ID].notna() & figures[c.FINANCIAL_OWNER].fillna(False).astype(bool)
    usd = figures[owned & (figures[c.CURRENCY] == "USD")]
    checked = set()
    for _, row in usd.iterrows():
        project, mine = str(row[c.ERP_RECORD_ID]), by_hand.sums[str(row[c.ERP_RECORD_ID])]
        cost = mine["labor"] + mine["vendor"] + mine["other"]
        shown = {name: Decimal(str(row[column])).quantize(CENT) for name, column in (
            ("labor", c.LABOR_COST_AMOUNT), ("vendor", c.VENDOR_COST_AMOUNT), ("other", c.OTHER_COST_AMOUNT),
            ("cost", c.ACTUAL_COST_AMOUNT), ("invoiced", c.INVOICED_AMOUNT), ("paid", c.PAID_AMOUNT),
            ("outstanding", c.OUTSTANDING_AMOUNT), ("margin", c.REALIZED_MARGIN_AMOUNT))}  # fmt: skip
        expected = {"labor": mine["labor"], "vendor": mine["vendor"], "other": mine["other"], "cost": cost,
                    "invoiced": mine["invoiced"], "paid": mine["paid"], "outstanding": mine["outstanding"],
                    "margin": mine["invoiced"] - cost}  # fmt: skip
        assert shown == expected, f"project {project}"
        checked.add(project)
    print(f"\n{len(checked)} USD projects equal to the cent; cases: " + ", ".join(
        f"{case} {len(found & checked)}" for case, found in by_hand.cases.items()))  # fmt: skip
    for case in ("invoice for two projects", "credit memo", "split bill"):
        assert by_hand.cases[case] & checked, f"no {case} among the projects checked"
    assert any(len(by_hand.rates[p]) >= 2 for p in checked)  # time at two (or more) cost rates


def test_the_sandbox_answers_as_python_quickbooks_expects(qb: QuickBooks) -> None:
    jobs = Customer.filter(Job=True, qb=qb, max_results=1000)  # capitalised True, as the library sends it
    projects = [j for j in jobs if j.IsProject]
    assert projects
    assert all(" · " in j.DisplayName for j in projects if j.Level == 1 and j.Notes in (None, ""))
    assert Invoice.count("TxnDate >= '2000-01-01'", qb=qb) == len(every(Invoice, qb))
    first = Invoice.all(order_by="Id", start_position=1, max_results=1, qb=qb)[0]  # ORDER BY, as all() sends
    assert Invoice.get(first.Id, qb=qb).DocNumber == first.DocNumber
    assert Invoice.where("DocNumber = 'no-such'", qb=qb) == []  # an empty QueryResponse
    with pytest.raises(ValidationException) as bad:
        qb.query("SELECT * FROM Invoice MAXRESULTS 1500")
    assert bad.value.error_code == 4000
    assert "Max allowed value is 1000" in bad.value.detail


def test_errors_come_back_in_the_shapes_python_quickbooks_knows(
    qbo_demo: RunningSandbox, qb: QuickBooks
) -> None:
    qbo_demo.faults("erp", rate_limit_next=1, path_contains="/query")
    try:
        with pytest.raises(
            QuickbooksException
        ) as throttled:  # Intuit's 429 is XML: the library cannot read it
            Invoice.count(qb=qb)
    finally:
        qbo_demo.reset()
    assert throttled.value.error_code == 10000
    assert "ThrottleExceeded" in throttled.value.message
    qb.session.token = {"access_token": "an-expired-or-made-up-access-token-000"}
    try:
        with pytest.raises(AuthorizationException) as expired:
            Invoice.count(qb=qb)
    finally:
        qb._start_session()  # the library's own way back to its current token
        paced(qb)
    assert expired.value.error_code == 401


def test_change_data_capture_as_python_quickbooks_reads_it(tmp_path: Path) -> None:
    with quickbooks_sandbox(
        tmp_path / "sandbox.sqlite", deals=20, seed=9, extra=("--qbo-requests-per-minute", "40")
    ) as box:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
            qb = connect(box)
            since = datetime.now().astimezone()
            parent = Customer.filter(Job=False, qb=qb, max_results=1)[0]
            job = Customer()
            job.DisplayName, job.ParentRef, job.Job = "PRJ-00777 · Added by the test", parent.to_ref(), True
            job.save(qb=qb)
            assert job.Job is True
            assert job.IsProject is False
            job.FullyQualifiedName = parent.FullyQualifiedName + ":" + job.DisplayName
            invoice = Invoice.filter(Balance="0", qb=qb, max_results=1)[0]
            invoice.delete(qb=qb)
            found = change_data_capture([Customer, Invoice], since.isoformat(timespec="seconds"), qb=qb)
            assert [c.DisplayName for c in found.Customer] == ["PRJ-00777 · Added by the test"]
            assert [(i.Id, i.status) for i in found.Invoice] == [(invoice.Id, "Deleted")]
            with pytest.raises(ValidationException, match=r"Invalid query|not supported"):
                qb.change_data_capture("TimeActivity", since.isoformat(timespec="seconds"))
            # Intuit's 10 a second: python-quickbooks has no limiter of its own, and a burst is throttled
            burst, refused = connect(box, pace=False), []
            for _ in range(20):
                try:
                    Invoice.count(qb=burst)
                except QuickbooksException as error:
                    refused.append(error.message)
            assert refused
            assert all("ThrottleExceeded" in message for message in refused)
            assert throttled(box).get("second", 0) == len(refused)
            time.sleep(1.1)
            # and Intuit's limit per company a minute, here 40: paced requests run into it, with the same 429
            for _ in range(45):
                try:
                    Invoice.count(qb=qb)
                except QuickbooksException as error:
                    refused.append(error.message)
                    break
            assert throttled(box).get("minute") == 1
            assert "ThrottleExceeded" in refused[-1]
        settings = settings_for(box, max_retries=0)
        clients = build_clients(settings)
        try:
            erp = clients.erp
            assert isinstance(erp, QuickBooksClient)
            with pytest.raises(RateLimitError, match="throttling this company's requests"):
                erp.fetch_read()
        finally:
            clients.close()
