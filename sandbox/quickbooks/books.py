"""QuickBooks Online entities as the Accounting API v3 sends them: builders with Intuit's field names, types.

Sources: the v3 schema (intuit/QuickBooks-V3-Java-SDK, ipp-v3-java-data/src/main/xsd/Finance.xsd and
IntuitNamesTypes.xsd: Customer, Invoice, CreditMemo, Payment, Bill, VendorCredit, Purchase, JournalEntry,
TimeActivity, Employee, Vendor, Account, Item, Preferences, ExchangeRate) and the JSON samples of the API
reference (developer.intuit.com, api-reference/v3/*). As Intuit sends them: ids and SyncTokens are strings,
amounts JSON numbers, dates "YYYY-MM-DD", instants ISO 8601 with the company's offset, references
`{"value": id, "name": display name}`; only fields with a value are present ("server responses only return
attributes with values", learn/explore-the-quickbooks-online-api/data-queries); every entity carries
`domain: "QBO"`, `sparse: false`, `SyncToken` and `MetaData{CreateTime, LastUpdatedTime}`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

Entity = dict[str, Any]
COMPANY_OFFSET = timezone(timedelta(hours=-8), "PST")
"""The demo company keeps Pacific time (Intuit's samples carry -07:00/-08:00 offsets); DST is ignored."""

# name, AccountType (with spaces, as the enum spells them), Classification
ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("Checking", "Bank", "Asset"),
    ("Accounts Receivable (A/R)", "Accounts Receivable", "Asset"),
    ("Accounts Payable (A/P)", "Accounts Payable", "Liability"),
    ("Visa", "Credit Card", "Liability"),
    ("Accrued Liabilities", "Other Current Liability", "Liability"),
    ("Services", "Income", "Revenue"),
    ("Subcontractors", "Cost of Goods Sold", "Expense"),
    ("Job Expenses", "Expense", "Expense"),
    ("Travel", "Expense", "Expense"),
    ("Software", "Expense", "Expense"),
)
ACCOUNT = {name: str(i) for i, (name, _, _) in enumerate(ACCOUNTS, start=1)}
ITEMS = (("Services", "Service"), ("Hours", "Service"))
ITEM = {name: str(i) for i, (name, _) in enumerate(ITEMS, start=1)}
CURRENCY_NAMES = {"USD": "United States Dollar", "EUR": "Euro", "GBP": "British Pound Sterling"}


def qbo_time(moment: datetime) -> str:
    """An instant as QuickBooks writes it: the company's local time with its offset, to the second."""
    return moment.astimezone(COMPANY_OFFSET).isoformat(timespec="seconds")


def utc_key(moment: datetime) -> str:
    """An instant as the sandbox indexes it: UTC text that sorts chronologically."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def ref(value: str | int, name: str | None = None) -> dict[str, str]:
    """A ReferenceType: `{"value": id, "name": ...}` (the name only when there is one)."""
    out = {"value": str(value)}
    if name:
        out["name"] = name
    return out


def money(cents: int) -> float:
    """Whole cents as the JSON number QuickBooks sends (12000.0, 103.55)."""
    return round(cents / 100, 2)


def base(entity_id: str | int, created: datetime, updated: datetime | None = None) -> Entity:
    """The fields every entity carries."""
    return {
        "Id": str(entity_id),
        "SyncToken": "0",
        "domain": "QBO",
        "sparse": False,
        "MetaData": {"CreateTime": qbo_time(created), "LastUpdatedTime": qbo_time(updated or created)},
    }


def currency_ref(code: str) -> dict[str, str]:
    """A CurrencyRef with Intuit's currency name."""
    return ref(code, CURRENCY_NAMES.get(code, code))


def account(entity_id: int, name: str, account_type: str, classification: str, created: datetime) -> Entity:
    """An Account of the chart of accounts (AccountType, Classification)."""
    return base(entity_id, created) | {
        "Name": name, "FullyQualifiedName": name, "SubAccount": False, "Active": True,
        "Classification": classification, "AccountType": account_type, "CurrentBalance": 0,
        "CurrentBalanceWithSubAccounts": 0, "CurrencyRef": currency_ref("USD"),
    }  # fmt: skip


def item(entity_id: int, name: str, item_type: str, created: datetime) -> Entity:
    """A service Item sold on invoice lines."""
    return base(entity_id, created) | {
        "Name": name, "FullyQualifiedName": name, "Active": True, "Type": item_type, "Taxable": False,
        "IncomeAccountRef": ref(ACCOUNT["Services"], "Services"),
    }  # fmt: skip


def preferences(created: datetime) -> Entity:
    """Preferences with multicurrency on and US dollars at home (CurrencyPrefs, Finance.xsd)."""
    return base(1, created) | {
        "CurrencyPrefs": {"MultiCurrencyEnabled": True, "HomeCurrency": ref("USD")},
        "OtherPrefs": {"NameValue": [{"Name": "ProjectsEnabled", "Value": "true"}]},
    }


def exchange_rate(currency: str, as_of: date, rate: float, created: datetime) -> Entity:
    """ExchangeRate: home-currency units per one unit of SourceCurrencyCode on AsOfDate ("Exchange rates are
    always recorded as the number of home currency units it takes to equal one foreign currency unit",
    workflows/manage-multiple-currencies). It has no Id in Intuit's samples; the sandbox keys it."""
    return {
        "SyncToken": "0", "domain": "QBO", "sparse": False, "AsOfDate": as_of.isoformat(),
        "SourceCurrencyCode": currency, "TargetCurrencyCode": "USD", "Rate": rate,
        "MetaData": {"LastUpdatedTime": qbo_time(created)},
    }  # fmt: skip


def employee(entity_id: int, given: str, family: str, cost_rate: float, created: datetime) -> Entity:
    """An Employee with a cost rate (and a bill rate) per hour."""
    name = f"{given} {family}"
    return base(entity_id, created) | {
        "GivenName": given, "FamilyName": family, "DisplayName": name, "PrintOnCheckName": name,
        "Active": True, "BillableTime": True, "BillRate": round(cost_rate * 2.2), "CostRate": cost_rate,
    }  # fmt: skip


def vendor(entity_id: int, name: str, currency: str, created: datetime) -> Entity:
    """A Vendor billing in `currency`."""
    return base(entity_id, created) | {
        "DisplayName": name, "CompanyName": name, "PrintOnCheckName": name, "Active": True,
        "Vendor1099": False, "Balance": 0, "CurrencyRef": currency_ref(currency),
    }  # fmt: skip


def customer(
    entity_id: int,
    display_name: str,
    currency: str,
    created: datetime,
    *,
    company_name: str | None = None,
    parent: Entity | None = None,
    is_project: bool = False,
    notes: str | None = None,
    email: str | None = None,
    taxable: bool = False,
) -> Entity:
    """A customer, or (with `parent`) a sub-customer: a classic job, or a QuickBooks project (`IsProject`).
    Sub-customers have `Job` true, `ParentRef`, `Level` and a `FullyQualifiedName` "Parent:Child"."""
    row = base(entity_id, created) | {
        "DisplayName": display_name, "PrintOnCheckName": display_name, "Active": True, "Taxable": taxable,
        "Job": parent is not None, "BillWithParent": False, "Balance": 0, "BalanceWithJobs": 0,
        "CurrencyRef": currency_ref(currency), "PreferredDeliveryMethod": "Email", "IsProject": is_project,
    }  # fmt: skip
    if company_name:
        row["CompanyName"] = company_name
    if email:
        row["PrimaryEmailAddr"] = {"Address": email}
    if notes:
        row["Notes"] = notes
    if parent is None:
        row["FullyQualifiedName"], row["Level"] = display_name, 0
    else:
        row["FullyQualifiedName"] = f"{parent['FullyQualifiedName']}:{display_name}"
        row["ParentRef"] = ref(parent["Id"])
        row["Level"] = int(parent["Level"]) + 1
    return row


def sales_line(number: int, cents: int, description: str, project: Entity | None = None) -> Entity:
    """A SalesItemLineDetail line; a line-level ProjectRef when given a project."""
    line = {
        "Id": str(number), "LineNum": number, "Description": description, "Amount": money(cents),
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": ref(ITEM["Services"], "Services"), "Qty": 1,
                                "UnitPrice": money(cents), "TaxCodeRef": ref("NON")},
    }  # fmt: skip
    if project is not None:  # line-level ProjectRef (Line.ProjectRef in Finance.xsd)
        line["ProjectRef"] = ref(project["Id"])
    return line


def expense_line(
    number: int, cents: int, description: str, account_name: str, project: Entity, billable: str
) -> Entity:
    """An AccountBasedExpenseLineDetail line charged to a project: `CustomerRef` on the detail and, as in
    Intuit's Bill sample, `ProjectRef` on the line when the customer is a QuickBooks project."""
    line = {
        "Id": str(number), "LineNum": number, "Description": description, "Amount": money(cents),
        "DetailType": "AccountBasedExpenseLineDetail",
        "AccountBasedExpenseLineDetail": {
            "AccountRef": ref(ACCOUNT[account_name], account_name),
            "CustomerRef": ref(project["Id"], project["FullyQualifiedName"]),
            "BillableStatus": billable, "TaxCodeRef": ref("NON"),
        },
    }  # fmt: skip
    if project.get("IsProject"):
        line["ProjectRef"] = ref(project["Id"])
    return line


def transaction(entity_id: int, day: date, currency: str, rate: float, created: datetime) -> Entity:
    """The fields every transaction carries (TxnDate, CurrencyRef, ExchangeRate: 1 in home currency)."""
    row = base(entity_id, created) | {"TxnDate": day.isoformat(), "CurrencyRef": currency_ref(currency)}
    row["ExchangeRate"] = rate if currency != "USD" else 1
    return row


def subtotal(lines: list[Entity]) -> Entity:
    """The SubTotalLineDetail line QuickBooks appends to sales documents."""
    total = round(sum(line["Amount"] for line in lines), 2)
    return {"Amount": total, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}


def tax_detail(tax_cents: int) -> Entity:
    """TxnTaxDetail with the document's total tax."""
    return {"TotalTax": money(tax_cents)}
