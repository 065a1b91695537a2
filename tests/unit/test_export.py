"""Exports neutralize cells a spreadsheet would run as formulas."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd

from dashboard.export import neutralize, to_csv_bytes, to_excel_bytes

FRAME = pd.DataFrame(
    {
        "deal": ['=HYPERLINK("http://x")', "+1+2", "Bluefin – Data", "@SUM(A1)", "-3"],
        "amount": [1200.5, -300.0, 0.0, 42.0, 7.0],
    }
)


def test_text_cells_that_start_a_formula_get_an_apostrophe() -> None:
    out = neutralize(FRAME)
    assert list(out["deal"]) == ['\'=HYPERLINK("http://x")', "'+1+2", "Bluefin – Data", "'@SUM(A1)", "'-3"]
    assert list(out["amount"]) == [1200.5, -300.0, 0.0, 42.0, 7.0]  # numbers stay numbers, negatives too
    assert FRAME["deal"][0].startswith("=")  # the input is not changed


def test_csv_and_excel_carry_no_formula() -> None:
    text = to_csv_bytes(FRAME).decode("utf-8-sig")
    assert text.splitlines()[2] == "'+1+2,-300.0"
    assert text.splitlines()[1].startswith("\"'=HYPERLINK")
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(FRAME)))
    cells = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert cells[0] == '\'=HYPERLINK("http://x")'
    assert all(not (isinstance(c, str) and c.startswith("=")) for c in cells)
    amounts = [row[1] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert amounts[1] == -300


def test_a_line_break_cannot_start_a_row_or_a_formula_and_control_characters_go() -> None:
    frame = pd.DataFrame(
        {
            "deal": ["Portal\r=cmd|' /C calc'!A0", "ok\n@SUM(A1)", "Bell\x07 and NUL\x00", "  =1+1"],
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    text = to_csv_bytes(frame).decode("utf-8-sig")
    rows = text.splitlines()
    assert len(rows) == 5  # the header and four rows: no row was split by a line break
    assert rows[1] == "Portal =cmd|' /C calc'!A0,1.0"  # one cell: the = is not at its start
    assert rows[4] == "'  =1+1,4.0"  # leading spaces do not hide a formula
    assert all(not row.split(",")[0].lstrip().startswith(("=", "+", "@")) for row in rows)
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(frame)))  # openpyxl refuses control characters
    cells = [row[0] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert cells[2] == "Bell and NUL"
