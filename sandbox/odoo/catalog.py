"""The catalog of Odoo models the sandbox knows, every version's and module's fields, and `build_registry`,
which keeps those one server has under its version's names (`sandbox.odoo.versions`).

Field names, types and labels follow Odoo's model files: res.* (base), hr.employee (hr),
account.analytic.account and account.analytic.line (analytic, account, hr_timesheet), project.project
(project, hr_timesheet), account.move and account.move.line (account); the version each field comes or goes
with is cited beside it. Display names are SQL, so domains and ordering treat them like columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import ColumnElement, FromClause, String, case, cast, func, literal, select
from sqlmodel import SQLModel

from sandbox.odoo.models import FieldSpec, ModelSpec, OdooError, Registry, scalar, utc_now
from sandbox.odoo.versions import MODULES, SandboxVersion


def _col(name: str, type_: str, string: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, type_, string, column=name, **kw)


def _m2o(name: str, relation: str, string: str, **kw: Any) -> FieldSpec:
    return FieldSpec(name, "many2one", string, column=name, relation=relation, **kw)


def _related(
    name: str, type_: str, string: str, via: str, target: str, relation: str | None = None, **kw: Any
) -> FieldSpec:
    return FieldSpec(name, type_, string, related=(via, target), relation=relation, **kw)


def _o2m(
    name: str, relation: str, inverse: str, string: str, only: tuple[str, str] | None = None
) -> FieldSpec:
    return FieldSpec(name, "one2many", string, relation=relation, inverse=inverse, inverse_filter=only)


def _display_name() -> FieldSpec:
    return FieldSpec("display_name", "char", "Display Name")


def _model(
    name: str,
    description: str,
    table: str,
    fields: list[FieldSpec],
    display: Callable[[FromClause], ColumnElement[Any]] | None = None,
    defaults: Mapping[str, Callable[[], Any]] | None = None,
    module: str = "base",
) -> ModelSpec:
    variants = (_col("id", "integer", "ID"), *fields, _display_name())
    return ModelSpec(
        name,
        description,
        SQLModel.metadata.tables[table],
        {f.name: f for f in variants},
        display or (lambda t: t.c.name),
        defaults or {},
        module,
        variants,
    )


def _nonempty(expr: ColumnElement[Any]) -> ColumnElement[Any]:
    return func.nullif(expr, "")


def _analytic_account_display(t: FromClause) -> ColumnElement[Any]:
    """Odoo 17: "[code] name - partner"; concatenating with NULL gives NULL, so coalesce drops a part."""
    partner = SQLModel.metadata.tables["res_partner"].alias()
    partner_name = scalar(select(partner.c.name).where(partner.c.id == t.c.partner_id), partner)
    code = func.coalesce(literal("[") + _nonempty(t.c.code) + "] ", "")
    return code + t.c.name + func.coalesce(literal(" - ") + partner_name, "")


DRAFT_LABELS = {
    "out_invoice": "Draft Invoice",
    "out_refund": "Draft Credit Note",
    "in_invoice": "Draft Bill",
    "in_refund": "Draft Vendor Credit Note",
    "out_receipt": "Draft Sales Receipt",
    "in_receipt": "Draft Purchase Receipt",
    "entry": "Draft Entry",
}


def _move_display(t: FromClause) -> ColumnElement[Any]:
    """Odoo 17's `_get_move_display_name(show_ref=True)`: draft prefix, name or (* id), then (ref)."""
    draft = case(
        (t.c.state == "draft", func.coalesce(case(DRAFT_LABELS, value=t.c.move_type), "Draft") + " "),
        else_="",
    )
    name = func.coalesce(func.nullif(t.c.name, "/"), literal("(* ") + cast(t.c.id, String) + ")")
    return draft + name + func.coalesce(literal(" (") + _nonempty(t.c.ref) + ")", "")


def _move_line_display(t: FromClause) -> ColumnElement[Any]:
    """Odoo 17 joins the move's name and the line's label with a space."""
    move = SQLModel.metadata.tables["account_move"].alias()
    move_name = scalar(select(move.c.name).where(move.c.id == t.c.move_id), move)
    return func.trim(func.coalesce(move_name, "") + " " + func.coalesce(t.c.name, ""))


LAST_UPDATE_STATUS = (
    ("on_track", "On Track"),
    ("at_risk", "At Risk"),
    ("off_track", "Off Track"),
    ("on_hold", "On Hold"),
    ("to_define", "Set Status"),
    ("done", "Done"),
)
AAL_CATEGORY = (("invoice", "Customer Invoice"), ("vendor_bill", "Vendor Bill"), ("other", "Other"))
MOVE_TYPE = (
    ("entry", "Journal Entry"),
    ("out_invoice", "Customer Invoice"),
    ("out_refund", "Customer Credit Note"),
    ("in_invoice", "Vendor Bill"),
    ("in_refund", "Vendor Credit Note"),
    ("out_receipt", "Sales Receipt"),
    ("in_receipt", "Purchase Receipt"),
)
MOVE_STATE = (("draft", "Draft"), ("posted", "Posted"), ("cancel", "Cancelled"))
PAYMENT_STATE = (
    ("not_paid", "Not Paid"),
    ("in_payment", "In Payment"),
    ("paid", "Paid"),
    ("partial", "Partially Paid"),
    ("reversed", "Reversed"),
    ("invoicing_legacy", "Invoicing App Legacy"),
)
DISPLAY_TYPE = (
    ("product", "Product"),
    ("cogs", "Cost of Goods Sold"),
    ("tax", "Tax"),
    ("discount", "Discount"),
    ("rounding", "Rounding"),
    ("payment_term", "Payment Term"),
    ("line_section", "Section"),
    ("line_note", "Note"),
    ("epd", "Early Payment Discount"),
)
# The sandbox has no tables for these comodels; their records exist only as labels.
PLAN_LABELS = {1: "Projects", 2: "Departments"}
USER_LABELS = {1: "OdooBot", 2: "Administrator"}
JOURNAL_LABELS = {1: "Customer Invoices", 2: "Vendor Bills", 3: "Miscellaneous Operations"}

_company_currency = ("company_id", "currency_id")

CATALOG: dict[str, ModelSpec] = {}


def _register(*models: ModelSpec) -> None:
    for model in models:
        CATALOG[model.name] = model


_register(
    _model(
        "res.currency",
        "Currency",
        "res_currency",
        [_col("name", "char", "Currency", required=True), _col("symbol", "char", "Symbol", required=True)],
    ),
    _model(
        "res.company",
        "Companies",
        "res_company",
        [
            _col("name", "char", "Company Name", required=True),
            _m2o("currency_id", "res.currency", "Currency", required=True),
        ],
    ),
    _model(
        "res.partner",
        "Contact",
        "res_partner",
        [
            _col("name", "char", "Name", required=True),
            _col("is_company", "boolean", "Is a Company"),
            _col("email", "char", "Email"),
            _m2o("company_id", "res.company", "Company"),
            _col("write_date", "datetime", "Last Updated on"),
        ],
        defaults={"write_date": utc_now},
    ),
    _model(
        "hr.employee",
        "Employee",
        "hr_employee",
        [
            _col("name", "char", "Employee Name", required=True),
            _col("hourly_cost", "monetary", "Hourly Cost"),
            _m2o("company_id", "res.company", "Company", required=True),
        ],
        defaults={"hourly_cost": lambda: 0.0},
        module="hr",
    ),
    _model(
        "account.analytic.account",
        "Analytic Account",
        "account_analytic_account",
        [
            _col("name", "char", "Analytic Account", required=True),
            _col("code", "char", "Reference"),
            _m2o("partner_id", "res.partner", "Customer"),
            _m2o("company_id", "res.company", "Company"),
            _related("currency_id", "many2one", "Currency", *_company_currency, relation="res.currency"),
            _m2o("plan_id", "account.analytic.plan", "Plan", required=True, labels=PLAN_LABELS),
            # the demo's plans have no parents: the root plan is the plan (16 stored compute, 17+ related)
            FieldSpec(
                "root_plan_id",
                "many2one",
                "Root Plan",
                column="plan_id",
                relation="account.analytic.plan",
                labels=PLAN_LABELS,
            ),
            _col("active", "boolean", "Active"),
            _col("write_date", "datetime", "Last Updated on"),
        ],
        display=_analytic_account_display,
        defaults={"write_date": utc_now},
        module="analytic",
    ),
    _model(
        "project.project",
        "Project",
        "project_project",
        [
            _col("name", "char", "Name", required=True),
            _m2o("partner_id", "res.partner", "Customer"),
            # 16/17 `analytic_account_id`, renamed `account_id` in 18.0 (project/models/project_project.py)
            _m2o("analytic_account_id", "account.analytic.account", "Analytic Account", until=17),
            FieldSpec(
                "account_id",
                "many2one",
                "Analytic Account",
                column="analytic_account_id",
                relation="account.analytic.account",
                since=18,
            ),
            _m2o("company_id", "res.company", "Company", required=True),
            _related("currency_id", "many2one", "Currency", *_company_currency, relation="res.currency"),
            _m2o("user_id", "res.users", "Project Manager", labels=USER_LABELS),
            _col("date_start", "date", "Start Date"),
            _col("date", "date", "Expiration Date"),
            _col("active", "boolean", "Active"),
            _col("last_update_status", "selection", "Status", selection=LAST_UPDATE_STATUS, required=True),
            _col("allow_timesheets", "boolean", "Timesheets", module="hr_timesheet"),
            _col("is_template", "boolean", "Is a Template", since=19),  # 19.0: project templates
            _col("create_date", "datetime", "Created on"),
            _col("write_date", "datetime", "Last Updated on"),
        ],
        defaults={"create_date": utc_now, "write_date": utc_now},
        module="project",
    ),
    _model(
        "account.analytic.line",
        "Analytic Line",
        "account_analytic_line",
        [
            _col("name", "char", "Description"),
            _col("date", "date", "Date", required=True),
            _col("amount", "monetary", "Amount", required=True),
            _col("unit_amount", "float", "Quantity"),
            # 16: one required account per line, and its plan stored (analytic/models/analytic_line.py)
            _m2o("account_id", "account.analytic.account", "Analytic Account", required=True, until=16),
            _related(
                "plan_id",
                "many2one",
                "Plan",
                "account_id",
                "plan_id",
                relation="account.analytic.plan",
                labels=PLAN_LABELS,
                until=16,
            ),
            # 17+: one column per root plan; `account_id` is the Projects plan's (analytic_plan.py
            # `_column_name`: 'account_id' for the project plan, f"x_plan{id}_id" for the others)
            _m2o("account_id", "account.analytic.account", "Project Account", since=17),
            _m2o("x_plan2_id", "account.analytic.account", "Departments", since=17),
            _m2o("project_id", "project.project", "Project", module="hr_timesheet"),
            _m2o("employee_id", "hr.employee", "Employee", module="hr_timesheet"),
            _m2o("partner_id", "res.partner", "Partner"),
            _col("category", "selection", "Category", selection=AAL_CATEGORY),
            _m2o("move_line_id", "account.move.line", "Journal Item", module="account"),
            # account/models/account_analytic_line.py: related='move_line_id.journal_id', store=True
            _m2o("journal_id", "account.journal", "Journal", module="account", labels=JOURNAL_LABELS),
            _m2o("company_id", "res.company", "Company", required=True),
            _related("currency_id", "many2one", "Currency", *_company_currency, relation="res.currency"),
            _col("write_date", "datetime", "Last Updated on"),
        ],
        defaults={
            "name": lambda: "/",
            "date": lambda: utc_now().date(),
            "amount": lambda: 0.0,
            "write_date": utc_now,
        },
        module="analytic",
    ),
    _model(
        "account.move",
        "Journal Entry",
        "account_move",
        [
            _col("name", "char", "Number"),
            _col("move_type", "selection", "Type", selection=MOVE_TYPE, required=True),
            _col("state", "selection", "Status", selection=MOVE_STATE, required=True),
            _m2o("partner_id", "res.partner", "Partner"),
            _m2o("company_id", "res.company", "Company", required=True),
            _m2o("currency_id", "res.currency", "Currency", required=True),
            _col("invoice_date", "date", "Invoice/Bill Date"),
            _col("invoice_date_due", "date", "Due Date"),
            _col("invoice_origin", "char", "Origin"),
            _col("ref", "char", "Reference"),
            *(
                _col(name, "monetary", label)
                for name, label in (
                    ("amount_untaxed", "Untaxed Amount"),
                    ("amount_tax", "Tax"),
                    ("amount_total", "Total"),
                    ("amount_residual", "Amount Due"),
                    ("amount_untaxed_signed", "Untaxed Amount Signed"),
                    ("amount_total_signed", "Total Signed"),
                    ("amount_residual_signed", "Amount Due Signed"),
                )
            ),
            _col("payment_state", "selection", "Payment Status", selection=PAYMENT_STATE),
            _col("write_date", "datetime", "Last Updated on"),
            _o2m(
                "invoice_line_ids",
                "account.move.line",
                "move_id",
                "Invoice lines",
                ("display_type", "product"),
            ),
            _o2m("line_ids", "account.move.line", "move_id", "Journal Items"),
        ],
        display=_move_display,
        defaults={"name": lambda: "/", "write_date": utc_now},
        module="account",
    ),
    _model(
        "account.move.line",
        "Journal Item",
        "account_move_line",
        [
            _m2o("move_id", "account.move", "Journal Entry", required=True),
            _related("move_name", "char", "Number", "move_id", "name"),
            _col("name", "char", "Label"),
            _col("display_type", "selection", "Display Type", selection=DISPLAY_TYPE, required=True),
            _col("quantity", "float", "Quantity"),
            _col("price_unit", "float", "Unit Price"),
            _col("price_subtotal", "monetary", "Subtotal"),
            _col("price_total", "monetary", "Total"),
            _col("balance", "monetary", "Balance"),
            _col("analytic_distribution", "json", "Analytic Distribution"),
            _m2o("partner_id", "res.partner", "Partner"),
            _col("parent_state", "selection", "Status", selection=MOVE_STATE),
            _col("move_type", "selection", "Type", selection=MOVE_TYPE),
            _related("company_id", "many2one", "Company", "move_id", "company_id", relation="res.company"),
            _related(
                "currency_id", "many2one", "Currency", "move_id", "currency_id", relation="res.currency"
            ),
            _col("write_date", "datetime", "Last Updated on"),
        ],
        display=_move_line_display,
        defaults={"name": lambda: "", "write_date": utc_now},
        module="account",
    ),
)


def build_registry(version: SandboxVersion, modules: Iterable[str] = MODULES) -> Registry:
    """The models and fields a server of `version` with `modules` installed has, under its names."""
    installed = {"base", *modules}
    registry = Registry(version)
    for model in CATALOG.values():
        if model.module not in installed:
            continue
        kept = [
            f
            for f in model.variants
            if (f.module or model.module) in installed and f.since <= version.major <= f.until
        ]
        registry[model.name] = replace(model, fields={f.name: f for f in kept}, registry=registry)
    for model in registry.values():  # a field to a model this server lacks is not there either
        missing = [f.name for f in model.fields.values() if f.relation and f.labels is None
                   and f.relation not in registry]  # fmt: skip
        for name in missing:
            del model.fields[name]  # type: ignore[attr-defined]
    return registry


def model_spec(registry: Registry, name: Any) -> ModelSpec:
    """The model called `name`, or the UserError Odoo raises for an unknown one (service/model.py
    `execute_cr`, the same text 16-19)."""
    spec = registry.get(name) if isinstance(name, str) else None
    if spec is None:
        raise OdooError("odoo.exceptions.UserError", f"Object {name} doesn't exist")
    return spec
