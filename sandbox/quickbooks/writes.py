"""Creating, updating and deleting QuickBooks entities in the sandbox, with the bookkeeping QuickBooks does.

`POST /v3/company/<realm>/<entity>` creates (no `Id`) or updates (with `Id` and the current `SyncToken`;
`sparse: true` changes only the fields sent); `?operation=delete` with `Id` and `SyncToken` deletes
(developer.intuit.com, api-reference/v3 "Create/Update/Delete" sections of each entity). What QuickBooks
fills in or keeps consistent, and the sandbox does too:
- `Id`, `SyncToken` (a counter as a string; an update with an older one is a 5010 "Stale Object Error"),
  `MetaData.CreateTime` and `LastUpdatedTime`, `domain`, `sparse`;
- a sub-customer's `Job`, `Level` and `FullyQualifiedName` ("Parent:Child") from its `ParentRef`;
  `IsProject` cannot be set through the API (it stays false: intuit/QuickBooks-V3-DotNET-SDK #197);
- transaction totals from the lines (`TotalAmt`; plus `TxnTaxDetail.TotalTax` on sales), an open `Balance`
  equal to the total on a new invoice or bill, `RemainingCredit` on a credit memo;
- a payment lowers the `Balance` of each invoice (or credit memo) its lines link to, and deleting it gives
  the amounts back; either way the linked documents count as updated (so change data capture reports them).
Errors come back as Intuit's `Fault` (code 2020 "Required param missing", 5010, 610 "Object Not Found").
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sandbox.quickbooks import books as B
from sandbox.quickbooks.store import EntityStore

SALES = ("Invoice", "CreditMemo", "SalesReceipt", "RefundReceipt", "Estimate")
PURCHASES = ("Bill", "Purchase", "VendorCredit", "PurchaseOrder")
READ_ONLY = {"Id", "SyncToken", "MetaData", "domain", "FullyQualifiedName", "Level"}


class WriteError(Exception):
    """A write QuickBooks would refuse."""

    def __init__(self, message: str, detail: str, code: str = "2020") -> None:
        super().__init__(detail)
        self.message, self.detail, self.code = message, detail, code


def _amount(value: Any) -> Decimal:
    return Decimal(str(value or 0))


def write_entity(
    store: EntityStore, entity: str, body: dict[str, Any], *, delete: bool = False
) -> dict[str, Any]:
    """Apply one create, update or delete; the entity as QuickBooks answers it."""
    now = datetime.now(UTC)
    if delete or body.get("Id") not in (None, ""):
        current = store.get(entity, str(body.get("Id")))
        if current is None:
            raise WriteError("Object Not Found", f"Object Not Found : {entity} {body.get('Id')}", "610")
        if str(body.get("SyncToken")) != current["SyncToken"]:
            raise WriteError(
                "Stale Object Error",
                f"Stale Object Error : You and {current['SyncToken']} were working on this at the same time.",
                "5010",
            )
        if delete:
            if entity == "Payment":
                _apply_payment(store, current, now, undo=True)
            store.put(entity, _touched(current, now), now, deleted=True)
            return {"domain": "QBO", "status": "Deleted", "Id": current["Id"]}
        changes = {k: v for k, v in body.items() if k not in READ_ONLY and k != "sparse"}
        row = (
            {**current, **changes}
            if body.get("sparse")
            else {**{k: current[k] for k in READ_ONLY & current.keys()}, **changes}
        )
        row = _touched(row, now)
    else:
        row = {k: v for k, v in body.items() if k not in READ_ONLY and k != "sparse"}
        row |= B.base(store.next_id(entity), now)
    _derive(store, entity, row, created=body.get("Id") in (None, ""))
    store.put(entity, row, now)
    if entity == "Payment" and body.get("Id") in (None, ""):
        _apply_payment(store, row, now, undo=False)
    return row


def _touched(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    meta = dict(row.get("MetaData") or {})
    meta["LastUpdatedTime"] = B.qbo_time(now)
    return {**row, "SyncToken": str(int(row.get("SyncToken", "0")) + 1), "MetaData": meta, "sparse": False}


def _derive(store: EntityStore, entity: str, row: dict[str, Any], *, created: bool) -> None:
    row.setdefault("domain", "QBO")
    row.setdefault("sparse", False)
    if entity in ("Customer", "Vendor", "Employee"):
        if not row.get("DisplayName"):
            raise WriteError("Required param missing, need to supply the required value for the API",
                             "Required parameter DisplayName is missing in the request")  # fmt: skip
        row.setdefault("Active", True)
    if entity == "Customer":
        parent_id = (row.get("ParentRef") or {}).get("value")
        parent = store.get("Customer", str(parent_id)) if parent_id else None
        if parent_id and parent is None:
            raise WriteError("Object Not Found", f"Object Not Found : Customer {parent_id}", "610")
        row["Job"] = parent is not None
        row["Level"] = int(parent["Level"]) + 1 if parent else 0
        row["FullyQualifiedName"] = (
            f"{parent['FullyQualifiedName']}:{row['DisplayName']}" if parent else row["DisplayName"]
        )
        if created:
            row["IsProject"] = False  # only the QuickBooks UI (or the GraphQL Projects API) makes projects
        if parent is not None:
            row.setdefault("CurrencyRef", parent.get("CurrencyRef"))
        row.setdefault("CurrencyRef", B.currency_ref("USD"))
    if entity in SALES or entity in PURCHASES or entity in ("Payment", "JournalEntry", "TimeActivity"):
        row.setdefault("TxnDate", datetime.now(UTC).astimezone(B.COMPANY_OFFSET).date().isoformat())
        row.setdefault("CurrencyRef", B.currency_ref("USD"))
        if row["CurrencyRef"].get("value") == "USD":
            row.setdefault("ExchangeRate", 1)
    if entity in SALES:
        if not (row.get("CustomerRef") or {}).get("value"):
            raise WriteError("Required param missing, need to supply the required value for the API",
                             "Required parameter CustomerRef is missing in the request")  # fmt: skip
        lines = [line for line in row.get("Line") or [] if line.get("DetailType") != "SubTotalLineDetail"]
        untaxed = sum((_amount(line.get("Amount")) for line in lines), Decimal(0))
        tax = _amount((row.get("TxnTaxDetail") or {}).get("TotalTax"))
        row["TotalAmt"] = float(untaxed + tax)
        if created:
            row["Balance"] = row["TotalAmt"]
            if entity == "CreditMemo":
                row["RemainingCredit"] = row["TotalAmt"]
            if entity == "Invoice" and not row.get("DueDate"):
                row["DueDate"] = (
                    (datetime.fromisoformat(row["TxnDate"]) + timedelta(days=30)).date().isoformat()
                )
    if entity in PURCHASES:
        row["TotalAmt"] = float(
            sum((_amount(line.get("Amount")) for line in row.get("Line") or []), Decimal(0))
        )
        if created and entity in ("Bill", "VendorCredit"):
            row["Balance"] = row["TotalAmt"]


def _apply_payment(store: EntityStore, payment: dict[str, Any], now: datetime, *, undo: bool) -> None:
    for line in payment.get("Line") or []:
        amount = _amount(line.get("Amount"))
        for link in line.get("LinkedTxn") or []:
            kind = link.get("TxnType")
            if kind not in ("Invoice", "CreditMemo"):
                continue
            linked = store.get(kind, str(link.get("TxnId")))
            if linked is None:
                raise WriteError("Object Not Found", f"Object Not Found : {kind} {link.get('TxnId')}", "610")
            balance = _amount(linked.get("Balance")) + (amount if undo else -amount)
            linked = _touched(linked, now)
            linked["Balance"] = float(balance)
            if kind == "CreditMemo":
                linked["RemainingCredit"] = float(balance)
            store.put(kind, linked, now)
