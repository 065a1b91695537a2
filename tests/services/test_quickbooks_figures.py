"""QuickBooks payloads read into project figures, on literal payloads shaped like Intuit's API reference
samples (no server): which line counts for which project, the shares of a document for two projects,
costs and their signs, time, currency conversion, where the project ID sits, and Intuit's Fault shapes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.errors import AuthError, NotFoundError, RateLimitError, RejectedError, UnavailableError
from services.models import ErpProject, ErpRecordId
from services.quickbooks.entities import Context, document_of, hours_of, lines_of
from services.quickbooks.faults import (
    AccessTokenRejected,
    CdcWindowExceeded,
    InsufficientScope,
    error_for,
    parse_fault,
)
from services.quickbooks.figures import ProjectIds, customer_of, figures_of, projects_of

D = Decimal
HOME = Context("USD", frozenset({"70"}), {"55": D("45.00")})


def ref(value: str, name: str | None = None) -> dict[str, str]:
    return {"value": value, "name": name} if name else {"value": value}


def sales_line(amount: float, project: str | None = None) -> dict[str, object]:
    line: dict[str, object] = {
        "Amount": amount,
        "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": ref("1", "Services"), "Qty": 1, "UnitPrice": amount},
    }
    if project:
        line["ProjectRef"] = ref(project)
    return line


def expense_line(amount: float, customer: str | None, project: str | None = None) -> dict[str, object]:
    detail = {"AccountRef": ref("70", "Subcontractors"), "BillableStatus": "NotBillable"}
    if customer:
        detail["CustomerRef"] = ref(customer)
    line: dict[str, object] = {
        "Amount": amount,
        "DetailType": "AccountBasedExpenseLineDetail",
        "AccountBasedExpenseLineDetail": detail,
    }
    if project:
        line["ProjectRef"] = ref(project)
    return line


INVOICE_FOR_TWO = {  # to the parent customer 12, a line for project 58 and one for project 59, taxed
    "Id": "130",
    "DocNumber": "1037",
    "TxnDate": "2025-03-01",
    "DueDate": "2025-03-31",
    "CustomerRef": ref("12", "Acme Corp"),
    "CurrencyRef": ref("USD"),
    "Line": [
        sales_line(12000.0, "58"),
        sales_line(3000.0, "59"),
        {"Amount": 15000.0, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
    ],
    "TxnTaxDetail": {"TotalTax": 937.5},
    "TotalAmt": 15937.5,
    "Balance": 5000.0,
}


def test_an_invoice_for_two_projects_is_shared_by_their_line_amounts() -> None:
    sales = {s.customer_id: s for s in document_of("Invoice", INVOICE_FOR_TWO, HOME).sales}
    # 12000 of 15000 is 80 %: 80 % of the total 15937.50 and of the open 5000.00
    assert (sales["58"].untaxed, sales["58"].total, sales["58"].residual) == (
        D("12000.00"),
        D("12750.00"),
        D("4000.00"),
    )
    assert (sales["59"].untaxed, sales["59"].total, sales["59"].residual) == (
        D("3000.00"),
        D("3187.50"),
        D("1000.00"),
    )
    assert sales["58"].payment_state == "partial"
    assert sales["58"].due_date is not None
    assert sales["58"].due_date.isoformat() == "2025-03-31"


def test_a_credit_memo_counts_negative_and_its_unapplied_credit_is_open() -> None:
    memo = {
        "Id": "73",
        "TxnDate": "2025-03-20",
        "CustomerRef": ref("58"),
        "ProjectRef": ref("58"),
        "Line": [sales_line(500.0)],
        "TxnTaxDetail": {"TotalTax": 0},
        "TotalAmt": 500.0,
        "Balance": 200.0,
        "RemainingCredit": 200.0,
    }
    (sale,) = document_of("CreditMemo", memo, HOME).sales
    assert (sale.customer_id, sale.untaxed, sale.total, sale.residual) == (
        "58",
        D("-500.00"),
        D("-500.00"),
        D("-200.00"),
    )
    assert sale.due_date is None


def test_a_bill_split_across_projects_counts_each_line_for_its_project() -> None:
    bill = {
        "Id": "25",
        "TxnDate": "2025-03-06",
        "VendorRef": ref("46", "Norton Lumber"),
        "Line": [expense_line(103.55, "58", "58"), expense_line(900.0, "59"), expense_line(40.0, None)],
        "TotalAmt": 1043.55,
    }
    costs = {c[0]: c for c in document_of("Bill", bill, HOME).costs}
    assert set(costs) == {"58", "59"}  # the line for no customer counts for no project
    assert (costs["58"][1], costs["58"][2]) == ("vendor", D("103.55"))
    assert (costs["59"][1], costs["59"][2]) == ("vendor", D("900.0"))


def test_vendor_credits_and_card_refunds_take_cost_away() -> None:
    credit = {"Id": "9", "Line": [expense_line(50.0, "58")]}
    refund = {"Id": "10", "Credit": True, "PaymentType": "CreditCard", "Line": [expense_line(20.0, "58")]}
    expense = {"Id": "11", "Credit": False, "PaymentType": "Cash", "Line": [expense_line(75.5, "58")]}
    assert [c[1:3] for c in document_of("VendorCredit", credit, HOME).costs] == [("vendor", D("-50.0"))]
    assert [c[1:3] for c in document_of("Purchase", refund, HOME).costs] == [("other_cost", D("-20.0"))]
    assert [c[1:3] for c in document_of("Purchase", expense, HOME).costs] == [("other_cost", D("75.5"))]


def test_journal_lines_count_only_on_expense_accounts() -> None:
    entry = {
        "Id": "227",
        "TxnDate": "2025-03-31",
        "Line": [
            {  # debit the Subcontractors expense (account 70) for project 58
                "Amount": 250.0,
                "DetailType": "JournalEntryLineDetail",
                "JournalEntryLineDetail": {
                    "PostingType": "Debit",
                    "AccountRef": ref("70"),
                    "Entity": {"Type": "Customer", "EntityRef": ref("58")},
                },
            },
            {  # a credit on the receivable account (2) names the customer too: no cost
                "Amount": 250.0,
                "DetailType": "JournalEntryLineDetail",
                "JournalEntryLineDetail": {
                    "PostingType": "Credit",
                    "AccountRef": ref("2"),
                    "Entity": {"Type": "Customer", "EntityRef": ref("58")},
                },
            },
            {  # a credit on the expense for project 59: a reversal, negative
                "Amount": 30.0,
                "DetailType": "JournalEntryLineDetail",
                "JournalEntryLineDetail": {"PostingType": "Credit", "AccountRef": ref("70")},
                "ProjectRef": ref("59"),
            },
        ],
    }
    costs = {c[0]: c[2] for c in document_of("JournalEntry", entry, HOME).costs}
    assert costs == {"58": D("250.0"), "59": D("-30.0")}


def test_time_is_hours_and_minutes_at_the_activitys_cost_rate_else_the_employees() -> None:
    rated = {"Id": "5", "TxnDate": "2025-03-04", "NameOf": "Employee", "EmployeeRef": ref("55"),
             "CustomerRef": ref("58"), "Hours": 3, "Minutes": 30, "CostRate": 45}  # fmt: skip
    unrated = {"Id": "6", "TxnDate": "2025-03-05", "NameOf": "Employee", "EmployeeRef": ref("55"),
               "CustomerRef": ref("58"), "ProjectRef": ref("58"), "Hours": 1, "Minutes": 20}  # fmt: skip
    clocked = {"Id": "7", "NameOf": "Employee", "EmployeeRef": ref("55"), "CustomerRef": ref("58"),
               "StartTime": "2025-03-06T09:00:00-08:00", "EndTime": "2025-03-06T17:30:00-08:00",
               "BreakHours": 0, "BreakMinutes": 30, "CostRate": 60}  # fmt: skip
    (first,) = lines_of("TimeActivity", rated, HOME)
    (second,) = lines_of("TimeActivity", unrated, HOME)
    (third,) = lines_of("TimeActivity", clocked, HOME)
    assert (first.hours, first.amount) == (D("3.5"), D("157.50"))  # 3.5 h x 45
    assert second.amount == D("60.00")  # 1 h 20 min x the employee's 45.00
    assert hours_of(clocked) == D(8)
    assert third.amount == D("480.00")


def project(record_id: str, currency: str = "USD") -> ErpProject:
    return ErpProject(erp="quickbooks", erp_record_id=ErpRecordId(record_id), erp_project_id=None, name="p",
                      currency=currency)  # fmt: skip


def test_figures_add_up_and_convert_home_currency_costs_for_a_foreign_project() -> None:
    time = {"Id": "5", "NameOf": "Employee", "EmployeeRef": ref("55"), "CustomerRef": ref("80"), "Hours": 10,
            "CostRate": 54}  # fmt: skip
    euro_bill = {"Id": "26", "CurrencyRef": ref("EUR"), "ExchangeRate": 1.1, "VendorRef": ref("47"),
                 "Line": [expense_line(100.0, "80")]}  # fmt: skip
    invoice = {"Id": "131", "CustomerRef": ref("80"), "CurrencyRef": ref("EUR"), "ExchangeRate": 1.1,
               "Line": [sales_line(2000.0)], "TotalAmt": 2000.0, "Balance": 500.0}  # fmt: skip
    documents = [document_of("TimeActivity", time, HOME), document_of("Bill", euro_bill, HOME),
                 document_of("Invoice", invoice, HOME)]  # fmt: skip
    (actuals,), receivables = figures_of([project("80", "EUR")], documents, "USD", {"EUR": D("1.08")})
    assert actuals.labor_cost == D("500.00")  # 10 h x 54 USD = 540 USD, / 1.08 USD per EUR
    assert actuals.vendor_cost == D("100.00")  # already in euros
    assert (actuals.invoiced, actuals.paid, actuals.outstanding) == (D("2000.00"), D("1500.00"), D("500.00"))
    assert actuals.labor_hours == D("10.00")
    assert [r.currency for r in receivables] == ["EUR"]


def customer(record_id: str, name: str, *, parent: str | None = None, **more: object) -> dict[str, object]:
    row: dict[str, object] = {"Id": record_id, "DisplayName": name, "Active": True, "Job": parent is not None}
    if parent:
        row["ParentRef"] = ref(parent)
    return row | more


CUSTOMERS = [
    customer("12", "Acme Corp", CompanyName="Acme Corporation", CurrencyRef=ref("USD")),
    customer("58", "PRJ-00042 · Website revamp", parent="12", IsProject=True),
    customer("59", "Website hosting", parent="12", IsProject=True, Notes="Owner: ops\nProject ID: PRJ-00043"),
    customer("60", "Acme Corp – head office", parent="12"),  # a site: no ID, no project
    customer("61", "PRJ-00044 · Phase 2", parent="58"),  # a job under a project
]


def test_the_project_id_is_read_from_the_display_name_by_default() -> None:
    customers = {c.id: c for c in map(customer_of, CUSTOMERS)}
    projects, notes = projects_of(customers, ProjectIds(), "USD")
    by_id = {p.erp_record_id: p for p in projects}
    assert set(by_id) == {"58", "59", "61"}
    assert (by_id["58"].erp_project_id, by_id["58"].name) == ("PRJ-00042", "Website revamp")
    assert by_id["59"].erp_project_id is None  # a QuickBooks project without an ID is still a project
    assert by_id["61"].customer_name == "Acme Corporation"  # the top of the ParentRef chain, its company name
    assert "1 sub-customer(s) carry no project ID in their display name" in notes[0]


def test_the_project_id_can_be_read_from_the_notes_or_with_a_pattern() -> None:
    customers = {c.id: c for c in map(customer_of, CUSTOMERS)}
    projects, _ = projects_of(customers, ProjectIds("notes"), "USD")
    assert [(p.erp_record_id, p.erp_project_id) for p in projects if p.erp_project_id] == [
        ("59", "PRJ-00043")
    ]
    ids = ProjectIds("display_name", r"^(?P<id>PRJ-\d{5})\b")
    projects, _ = projects_of(customers, ids, "USD")
    assert {p.erp_record_id: p.erp_project_id for p in projects} == {
        "58": "PRJ-00042",
        "59": None,
        "61": "PRJ-00044",
    }
    with pytest.raises(ValueError, match="group named id"):
        ProjectIds("display_name", r"^PRJ-\d+")


XML_429 = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<IntuitResponse time="2016-12-07T15:27:09.527-08:00" xmlns="http://schema.intuit.com/finance/v3">'
    '<Fault type="SERVICE"><Error code="3001"><Message>message=ThrottleExceeded; errorCode=003001; '
    "statusCode=429</Message><Detail>The request limit was reached.  Try again later</Detail></Error>"
    "</Fault></IntuitResponse>"
)
CAMEL_401 = (
    '{"warnings":null,"intuitObject":null,"fault":{"error":[{"message":"message=AuthenticationFailed; '
    'errorCode=003200; statusCode=401","detail":"Token expired: 1633520295688","code":"3200",'
    '"element":null}],"type":"AUTHENTICATION"},"report":null,"queryResponse":null,"time":1633520295688}'
)
CAMEL_403 = (
    '{"fault":{"error":[{"message":"message=AuthorizationFailed; errorCode=003100; statusCode=403",'
    '"detail":"The access token does not have sufficient scope","code":"3100","element":null}],'
    '"type":"SERVICE"}}'
)
QUERY_400 = (
    '{"Fault":{"Error":[{"Message":"Error parsing query","Detail":"QueryParserError: Encountered '
    '\\" <IDENTIFIER> \\"R \\"\\" at line 1, column 52.","code":"4000"}],"type":"ValidationFault"},'
    '"time":"2017-09-29T09:17:31.892-07:00"}'
)


def test_intuits_three_fault_shapes_are_read() -> None:
    xml, camel, capital = parse_fault(XML_429), parse_fault(CAMEL_401), parse_fault(QUERY_400)
    assert xml is not None
    assert (xml.code, xml.type) == ("3001", "SERVICE")
    assert camel is not None
    assert (camel.code, camel.type) == ("3200", "AUTHENTICATION")
    assert capital is not None
    assert (capital.code, capital.message) == ("4000", "Error parsing query")
    assert parse_fault("<html>Bad gateway</html>") is None


def test_each_fault_becomes_the_error_that_says_what_to_do() -> None:
    throttled = error_for("query", 429, XML_429, request_id="1-tid")
    assert isinstance(throttled, RateLimitError)
    assert throttled.policy == "ThrottleExceeded"
    assert "500 requests a minute and 10 at a time" in str(throttled)
    assert throttled.request_id == "1-tid"
    assert isinstance(error_for("query", 401, CAMEL_401), AccessTokenRejected)
    scope = error_for("query", 403, CAMEL_403)
    assert isinstance(scope, InsufficientScope)
    assert "com.intuit.quickbooks.accounting" in str(scope)
    assert "python -m dashboard connect quickbooks" in str(scope)
    assert isinstance(error_for("query", 400, QUERY_400), RejectedError)
    window = QUERY_400.replace("Error parsing query", "Invalid query").replace(
        "QueryParserError", "Operation cdc with changedSince date 2025-01-01 which is older than fixed days"
    )
    assert isinstance(error_for("cdc", 400, window), CdcWindowExceeded)
    assert isinstance(error_for("read", 400, QUERY_400.replace('"4000"', '"610"')), NotFoundError)
    assert isinstance(error_for("query", 503, "<html>Service Unavailable</html>"), UnavailableError)
    wrong = CAMEL_403.replace("AuthorizationFailed", "ApplicationAuthorizationFailed")
    assert isinstance(error_for("query", 403, wrong), AuthError)
    assert "THROUGHLINE_QUICKBOOKS__ENVIRONMENT" in str(error_for("query", 403, wrong))
