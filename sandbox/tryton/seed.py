"""Seed a Tryton 8.2 database with the portfolio spec through proteus, in-process (no server needed).

Runs INSIDE .venv-tryton (it imports proteus and trytond), on a database where project_invoice,
project_revenue, timesheet_cost and purchase are activated; build.py calls it:

    .venv-tryton/bin/python sandbox/tryton/seed.py --config trytond.conf --database throughline \
        --spec spec.json

It cannot import the `sandbox` package (that lives in the dashboard's venv), so the portfolio arrives as JSON
written by `sandbox.tryton.portfolio.seed_spec()`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import time
import warnings
from decimal import Decimal
from typing import Any

log = logging.getLogger("seed")
# The groups that let a user read projects, timesheets, invoices and purchases. Tryton's admin user is in
# none: it may do everything by being admin. timesheet_cost lets only "Party Administration" read a
# timesheet line's cost price.
API_GROUPS = (
    "Accounting",
    "Party Administration",
    "Project Administration",
    "Project Invoice",
    "Purchase",
    "Timesheet Administration",
)
TODAY = dt.date.today()


def _days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def connect(database: str, config_file: str) -> Any:
    """Open proteus on the SQLite database; the directory comes from the config's [database] path."""
    from proteus import config

    # trytond warns that the URI's path is overridden by [database] path, which is what we want.
    warnings.filterwarnings("ignore", "The path specified in the URI")
    cfg = config.set_trytond(f"sqlite:///{database}", config_file=config_file)
    # Back-dated invoices raise "payment date in the past" warnings, which a person would click through.
    cfg.skip_warning = True
    return cfg


def setup_accounting(spec: dict[str, Any]) -> dict[str, Any]:
    """Company in the spec's currency, a fiscal year with periods, a chart, VAT, Net 30 and a pay method."""
    from proteus import Model
    from trytond.modules.account.tests.tools import create_chart, create_fiscalyear, create_tax, get_accounts
    from trytond.modules.company.tests.tools import create_company, get_company
    from trytond.modules.currency.tests.tools import get_currency

    party = Model.get("party.party")(name=spec["company"])
    party.save()
    create_company(party=party, currency=get_currency(spec["currency"]))
    company = get_company()
    # create_fiscalyear spans today - 6 months .. today + 5 months: every seeded invoice date falls inside.
    fiscalyear = create_fiscalyear(company)
    set_invoice_sequences(fiscalyear, company)
    fiscalyear.click("create_period")
    create_chart(company)
    accounts = get_accounts(company)

    vat = create_tax(Decimal(spec["vat_rate"]))
    vat.save()
    term = Model.get("account.invoice.payment_term")(name=f"Net {spec['payment_term_days']}")
    term.lines.new(type="remainder").relativedeltas.new(days=spec["payment_term_days"])
    term.save()

    (cash_journal,) = Model.get("account.journal").find([("type", "=", "cash")])
    method = Model.get("account.invoice.payment.method")(name="Bank transfer", journal=cash_journal)
    method.credit_account = method.debit_account = accounts["cash"]
    method.save()
    return {"company": company, "accounts": accounts, "vat": vat, "term": term, "pay_method": method}


def set_invoice_sequences(fiscalyear: Any, company: Any) -> None:
    """Customer invoices numbered INV-0001.., supplier invoices BILL-0001.. (strict, gapless sequences)."""
    from proteus import Model

    (sequence_type,) = Model.get("ir.sequence.type").find([("name", "=", "Invoice")], limit=1)

    def strict(prefix: str) -> Any:
        sequence = Model.get("ir.sequence.strict")(name=f"{prefix}{fiscalyear.name}", company=company)
        sequence.sequence_type, sequence.prefix, sequence.padding = sequence_type, prefix, 4
        sequence.save()
        return sequence

    customer, supplier = strict("INV-"), strict("BILL-")
    (invoice_sequences,) = fiscalyear.invoice_sequences
    invoice_sequences.out_invoice_sequence = invoice_sequences.out_credit_note_sequence = customer
    invoice_sequences.in_invoice_sequence = invoice_sequences.in_credit_note_sequence = supplier
    fiscalyear.save()


def create_products(spec: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Hourly service products (customer VAT) and a purchasable 'Subcontracted work' unit product."""
    from proteus import Model

    category = Model.get("product.category")(name="Services", accounting=True)
    category.account_revenue = base["accounts"]["revenue"]
    category.account_expense = base["accounts"]["expense"]
    category.customer_taxes.append(Model.get("account.tax")(base["vat"].id))
    category.save()
    uom = Model.get("product.uom")
    (hour,) = uom.find([("name", "=", "Hour")])
    (unit,) = uom.find([("name", "=", "Unit")])

    def product(name: str, default_uom: Any, price: str, purchasable: bool = False) -> Any:
        template = Model.get("product.template")(name=name, type="service", default_uom=default_uom)
        template.list_price = Decimal(price)
        template.purchasable = purchasable
        template.account_category = category
        template.save()
        return template.products[0]

    products = {p["name"]: product(p["name"], hour, p["list_price"]) for p in spec["products"]}
    products["Subcontracted work"] = product("Subcontracted work", unit, "0", purchasable=True)
    return products


def create_parties(spec: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """Customers and suppliers on Net 30, and employees whose cost price starts before any timesheet."""
    from proteus import Model

    party_model, employee_model = Model.get("party.party"), Model.get("company.employee")
    parties: dict[str, Any] = {}
    for name in spec["customers"]:
        parties[name] = party_model(name=name, customer_payment_term=base["term"])
    for name in spec["suppliers"]:
        parties[name] = party_model(name=name, supplier_payment_term=base["term"])
    party_model.save(list(parties.values()))
    for employee in spec["employees"]:
        person = party_model(name=employee["name"])
        person.save()
        record = employee_model(party=person, company=base["company"])
        # The cost price's date defaults to today; back-dated timesheet lines would then cost 0.
        record.cost_prices.new(date=dt.date(2000, 1, 1), cost_price=Decimal(employee["cost_price"]))
        record.save()
        parties[employee["name"]] = record
    return parties


def number_sequence() -> None:
    """Give works created later (UI, API) numbers that can never collide with the seeded PRJ-00nnn ones."""
    from proteus import Model

    sequence = Model.get("project.configuration")(1).work_sequence
    sequence.prefix, sequence.padding, sequence.number_next = "W-", 5, 1
    sequence.save()


def set_numbers(cfg: Any, numbers: dict[int, str]) -> None:
    """Write fixed work numbers server-side: `number` is readonly over RPC and proteus drops it silently."""
    from trytond.pool import Pool
    from trytond.transaction import Transaction

    with Transaction().start(cfg.database_name, cfg.user, context=cfg.context):
        work = Pool().get("project.work")
        for work_id, number in numbers.items():
            work.write([work(work_id)], {"number": number})


def create_project(cfg: Any, spec: dict[str, Any], refs: dict[str, Any]) -> Any:
    """One project with its tasks, numbered as the spec says, and its timesheet lines on the tasks."""
    from proteus import Model

    work_model, line_model = Model.get("project.work"), Model.get("timesheet.line")
    product = refs["products"][spec["product"]]
    project = work_model(name=spec["name"], type="project", party=refs["parties"][spec["customer"]])
    project.project_invoice_method = "timesheet"
    project.product = product
    project.effort_duration = dt.timedelta(hours=spec["effort_hours"])
    project.timesheet_available = True
    for name in spec["tasks"]:
        task = project.children.new(name=f"{spec['name']} - {name}", type="task")
        task.product = product
        task.timesheet_available = True
    project.save()
    tasks = {t.name.rsplit(" - ", 1)[1]: t for t in project.children}
    numbers = {project.id: spec["number"]}
    numbers |= {t.id: f"{spec['number']}-T{i}" for i, t in enumerate(project.children, start=1)}
    set_numbers(cfg, numbers)
    lines = []
    for entry in spec["timesheets"]:
        line = line_model(employee=refs["parties"][entry["employee"]], date=_days_ago(entry["days_ago"]))
        line.duration = dt.timedelta(hours=float(entry["hours"]))
        line.work = tasks[entry["task"]].timesheet_works[0]
        line.description = entry["task"]
        lines.append(line)
    line_model.save(lines)
    project.reload()
    return project


def purchase(project: Any, entry: dict[str, Any], refs: dict[str, Any]) -> Any:
    """A saved draft purchase whose line points at the project (confirmed later, all in one call)."""
    from proteus import Model

    order = Model.get("purchase.purchase")(party=refs["parties"][entry["supplier"]], invoice_method="order")
    order.payment_term = refs["base"]["term"]
    order.reference = project.number
    line = order.lines.new(product=refs["products"]["Subcontracted work"], quantity=1)
    line.unit_price = Decimal(entry["amount"])
    line.description = f"Subcontracting for {project.number}"
    # project_revenue adds a purchase line's *posted* invoice lines to the cost of the line's work.
    line.work = Model.get("project.work")(project.id)
    order.save()
    return order


def confirm_purchases(orders: list[tuple[Any, bool]]) -> list[Any]:
    """Quote and confirm every purchase in two calls; return the supplier invoices that are to be posted."""
    from proteus import Model

    purchase_model = Model.get("purchase.purchase")
    purchase_model.click([order for order, _ in orders], "quote")
    purchase_model.click([order for order, _ in orders], "confirm")
    to_post, invoices = [], []
    for order, posted in orders:
        order.reload()
        (invoice,) = order.invoices
        invoice.invoice_date = _days_ago(20)
        invoice.reference = f"SUP-{order.reference}"
        invoices.append(invoice)
        if posted:
            to_post.append(invoice)
    Model.get("account.invoice").save(invoices)
    return to_post


def invoice(project: Any, spec: dict[str, Any]) -> Any:
    """Invoice the timesheet up to the invoice day with the project's Invoice button; return the draft."""
    from proteus import Model

    invoice_model = Model.get("account.invoice")
    drafts = {i.id for i in invoice_model.find([("state", "=", "draft")])}
    invoice_date = _days_ago(spec["invoice_days_ago"])
    project.project_invoice_timesheet_up_to = invoice_date
    project.save()
    project.click("invoice")
    (created,) = invoice_model.find(
        [("type", "=", "out"), ("state", "=", "draft"), ("id", "not in", list(drafts))]
    )
    created.invoice_date = invoice_date
    # A convention, not a Tryton link: the test reads a project's invoices by it, independently of the client.
    created.reference = project.number
    created.save()
    return created


def pay(invoice: Any, share: Decimal, refs: dict[str, Any]) -> None:
    """Pay a share of the invoice total through the pay wizard; a partial payment leaves the rest open."""
    wizard = invoice.click("pay")
    wizard.form.amount = (invoice.total_amount * share).quantize(Decimal("0.01"))
    wizard.form.payment_method = refs["base"]["pay_method"]
    wizard.form.date = min(TODAY, invoice.invoice_date + dt.timedelta(days=14))
    wizard.execute("choice")
    if wizard.state != "end":  # keep the rest open rather than writing it off
        wizard.form.type = "partial"
        wizard.execute("pay")


def create_api_user(base: dict[str, Any], login: str, password: str) -> None:
    """A service user that can read the figures, with NO employees (employees would filter timesheet sums)."""
    from proteus import Model

    user = Model.get("res.user")(login=login, name="Throughline dashboard", password=password)
    user.companies.append(Model.get("company.company")(base["company"].id))
    user.company = Model.get("company.company")(base["company"].id)
    groups = Model.get("res.group").find([("name", "in", API_GROUPS)])
    if len(groups) != len(API_GROUPS):
        raise RuntimeError(f"expected the groups {API_GROUPS}, found {[g.name for g in groups]}")
    user.groups.extend(groups)
    user.save()


def seed(cfg: Any, spec: dict[str, Any]) -> list[dict[str, str]]:
    """Create everything in the spec; return each project's figures as Tryton computes them."""
    from proteus import Model

    started = time.monotonic()
    base = setup_accounting(spec)
    refs = {"base": base, "products": create_products(spec, base), "parties": create_parties(spec, base)}
    number_sequence()
    log.info("accounting, products and parties done in %.1f s", time.monotonic() - started)
    (done_status,) = Model.get("project.work.status").find([("name", "=", "Done")])
    projects, orders, to_post, to_pay = [], [], [], []
    for entry in spec["projects"]:
        project = create_project(cfg, entry, refs)
        orders += [(purchase(project, order, refs), order["posted"]) for order in entry["purchases"]]
        if entry["invoice_days_ago"] is not None:
            to_post.append(customer_invoice := invoice(project, entry))
            if Decimal(entry["paid"]):
                to_pay.append((customer_invoice, Decimal(entry["paid"])))
        if entry["done"]:  # Tryton completes a project only once all its tasks are complete
            for task in project.children:
                task.status = done_status
            project.status = done_status
            project.save()
        projects.append(project)
        log.info("%s created at %.1f s", entry["number"], time.monotonic() - started)
    to_post += confirm_purchases(orders)
    log.info("purchases confirmed at %.1f s", time.monotonic() - started)
    # Invoices share one strict sequence per fiscal year, which Tryton numbers in date order only: post them
    # in one call, which sorts them by date, rather than project by project.
    Model.get("account.invoice").click(to_post, "post")
    log.info("invoices posted at %.1f s", time.monotonic() - started)
    for posted, share in to_pay:
        posted.reload()
        pay(posted, share, refs)
    log.info("invoices paid at %.1f s", time.monotonic() - started)
    summary = []
    for project in projects:
        project.reload()
        summary.append(
            {k: str(getattr(project, k)) for k in ("number", "cost", "invoiced_amount", "revenue")}
        )
    create_api_user(base, spec["api_user"]["login"], spec["api_user"]["password"])
    return summary


def main() -> None:
    """Parse the arguments, connect and seed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--spec", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="[seed] %(message)s")
    logging.getLogger("trytond").setLevel(logging.WARNING)
    with open(args.spec) as fh:
        spec = json.load(fh)
    cfg = connect(args.database, args.config)
    for row in seed(cfg, spec):
        log.info("%s", row)


if __name__ == "__main__":
    main()
