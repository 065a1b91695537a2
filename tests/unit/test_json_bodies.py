"""`services.http.json_of`: every client's JSON decoding (orjson, with the standard library's reading of what
orjson refuses), so a bad value reaches the parsers that name it instead of failing the whole read."""

from __future__ import annotations

import math

import httpx
import pytest

from services.http import json_of


def answer(body: bytes) -> httpx.Response:
    return httpx.Response(200, content=body, headers={"content-type": "application/json"})


def test_an_answer_is_read_as_json() -> None:
    body = json_of(answer('{"results": [{"id": "7", "name": "Zürich AG", "amount": 12.5}]}'.encode()))
    assert body == {"results": [{"id": "7", "name": "Zürich AG", "amount": 12.5}]}


def test_a_nan_amount_is_kept_for_the_parsers_to_name() -> None:
    # Python's json.dumps writes NaN by default (allow_nan=True), so a Python server such as Odoo can send
    # it; orjson refuses it, the standard library reads it as a float
    body = json_of(
        answer(b'{"jsonrpc": "2.0", "result": [{"id": 1, "amount": NaN}, {"id": 2, "amount": 3}]}')
    )
    first, second = body["result"]
    assert math.isnan(first["amount"])
    assert second == {"id": 2, "amount": 3}


@pytest.mark.parametrize(
    "body", [b"", b"<html>Bad gateway</html>", b'{"results": [{"id": "1", "amount": "12']
)
def test_what_is_not_json_is_a_value_error(body: bytes) -> None:
    with pytest.raises(ValueError, match=r"line 1 column \d+"):
        json_of(answer(body))
