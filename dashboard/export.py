"""Tables to CSV and Excel for download, with cells that a spreadsheet could run as formulas neutralized.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel, LibreOffice and
Google Sheets (CSV injection, OWASP). Line breaks inside a cell are normalized to spaces first (a reader that
splits rows on a bare CR would otherwise start a new row, and a new formula, mid-cell), control characters
are removed (openpyxl refuses them, and they mean nothing in a name), and then a text cell whose first
visible character starts a formula gets a leading apostrophe. Numbers stay numbers.

Streamlit's own "Download as CSV" on data grids exports the raw values, so it is switched off
(`client.disableDataExport`, in .streamlit/config.toml and the launcher); every table that people export
gets the app's own download built here.
"""

from __future__ import annotations

import io
import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_BREAKS = re.compile(r"\r\n|[\r\n\t\v\f\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe_cell(value: object) -> object:
    """One cell as a spreadsheet may read it: text without line breaks or control characters, and never
    a formula; anything else unchanged."""
    if not isinstance(value, str):
        return value
    text = _CONTROL.sub("", _BREAKS.sub(" ", value))
    return f"'{text}" if text.lstrip().startswith(FORMULA_START) else text


def neutralize(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells (and headers) cannot be read as formulas or break a row."""
    out = frame.copy()
    for position in range(out.shape[1]):  # by position: two columns may share a header
        column = out.iloc[:, position]
        if column.dtype == object or pd.api.types.is_string_dtype(column):
            out.isetitem(position, column.map(safe_cell).to_numpy(dtype=object))
    out.columns = [safe_cell(name) if isinstance(name, str) else name for name in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads the accents) of the neutralized frame."""
    return neutralize(frame).to_csv(index=False).encode("utf-8-sig")


def to_excel_bytes(frame: pd.DataFrame, sheet: str = "Throughline") -> bytes:
    """An .xlsx workbook of the neutralized frame; text cells are stored as text, never as formulas."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        neutralize(frame).to_excel(writer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()
