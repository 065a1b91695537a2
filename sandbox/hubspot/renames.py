"""A portal's own property names, put on the sandbox's at the edge of the HubSpot app.

Every portal names its custom properties itself: the same ERP project ID is `erp_project_id` in one portal
and `delivery_project_ref` in another. The sandbox stores records under one set of names
(sandbox/crm_schema.py); a portal that names them otherwise (sandbox/hubspot/portal.py, `renamed`) is served
by translating names where they cross the wire, both ways, so the rest of the sandbox stays one schema:

- requests: the `properties`, `propertiesWithHistory` and `idProperty` query parameters; in JSON bodies
  `properties` (a list to read, or values to write), `inputs[].properties`, `idProperty`,
  `filterGroups[].filters[].propertyName` and `sorts`; a property named in the path
  (`/crm/v3/properties/{t}/{name}`);
- answers: the keys of `properties` and `propertiesWithHistory` on records, property definitions' `name`,
  and the property names of schemas.

A name the portal does not have (the sandbox's own name for a renamed property) is asked for under a name no
schema defines, so it is what HubSpot makes of an unknown property: left out of a read (reference
/hubspot-api.md §1.5), PROPERTY_DOESNT_EXIST on a write (§1.6).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sandbox.hubspot.errors import HubSpotError
from sandbox.hubspot.params import resolve_type

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

UNKNOWN = "zz_not_in_this_portal__"
_PATHS = (
    (re.compile(r"^/crm/(?:v3/objects|objects/2026-03)/([^/]+)"), "objects"),
    (re.compile(r"^/crm/(?:v3/properties|properties/2026-03)/([^/]+)(?:/([^/]+))?$"), "properties"),
    (re.compile(r"^/(?:crm-object-schemas/(?:v3|2026-03)|crm/v3)/schemas(?:/([^/]+))?$"), "schemas"),
)


class Names:
    """One object type's renames: the sandbox's name <-> the portal's name."""

    def __init__(self, renamed: Mapping[str, str]) -> None:
        self.outward = dict(renamed)
        self.inward = {portal: own for own, portal in renamed.items()}

    def into(self, name: str) -> str:
        """The sandbox's name for a name the client sent."""
        if name in self.inward:
            return self.inward[name]
        return UNKNOWN + name if name in self.outward else name

    def out(self, name: str) -> str:
        """The portal's name for one of the sandbox's."""
        return self.outward.get(name, name)

    def text(self, message: str) -> str:
        """A message with the unknown-name marker taken off (an error names what the client sent)."""
        return message.replace(UNKNOWN, "")


def _csv(value: str, names: Names) -> str:
    return ",".join(names.into(part.strip()) for part in value.split(",") if part.strip())


def _request_body(body: Any, names: Names) -> Any:
    if not isinstance(body, dict):
        return body
    out = dict(body)
    if isinstance(out.get("properties"), list):
        out["properties"] = [names.into(str(n)) for n in out["properties"]]
    elif isinstance(out.get("properties"), dict):
        out["properties"] = {names.into(k): v for k, v in out["properties"].items()}
    if isinstance(out.get("propertiesWithHistory"), list):
        out["propertiesWithHistory"] = [names.into(str(n)) for n in out["propertiesWithHistory"]]
    if isinstance(out.get("idProperty"), str):
        out["idProperty"] = names.into(out["idProperty"])
    if isinstance(out.get("inputs"), list):
        out["inputs"] = [_request_body(item, names) for item in out["inputs"]]
    for group in out.get("filterGroups") or []:
        for spec in group.get("filters") or [] if isinstance(group, dict) else []:
            if isinstance(spec, dict) and isinstance(spec.get("propertyName"), str):
                spec["propertyName"] = names.into(spec["propertyName"])
    if isinstance(out.get("sorts"), list):
        out["sorts"] = [_sort(s, names) for s in out["sorts"]]
    return out


def _sort(spec: Any, names: Names) -> Any:
    if isinstance(spec, str):
        sign = "-" if spec.startswith("-") else ""
        return sign + names.into(spec.lstrip("-"))
    if isinstance(spec, dict) and isinstance(spec.get("propertyName"), str):
        return spec | {"propertyName": names.into(spec["propertyName"])}
    return spec


def _answer(body: Any, kind: str, names: Callable[[str], Names | None], own: Names | None) -> Any:
    """Property names in an answer put in the portal's words."""
    if isinstance(body, list):
        return [_answer(item, kind, names, own) for item in body]
    if not isinstance(body, dict):
        return body
    if kind == "schemas" and "objectTypeId" in body:
        own = names(str(body.get("name") or ""))
    out: dict[str, Any] = {}
    for key, value in body.items():
        if own is not None and key in ("properties", "propertiesWithHistory") and isinstance(value, dict):
            out[key] = {own.out(k): v for k, v in value.items()}
        elif own is not None and key == "message" and isinstance(value, str):
            out[key] = own.text(value)
        elif own is not None and kind != "objects" and key == "name" and isinstance(value, str):
            out[key] = own.out(value) if "type" in body else value
        elif own is not None and key in ("primaryDisplayProperty",) and isinstance(value, str):
            out[key] = own.out(value)
        elif own is not None and key in (
            "secondaryDisplayProperties",
            "requiredProperties",
            "searchableProperties",
        ):
            out[key] = [own.out(str(v)) for v in value or []]
        else:
            out[key] = _answer(value, kind, names, own)
    return out


class RenamedProperties:
    """ASGI middleware: the portal's property names on the wire, the sandbox's inside."""

    def __init__(self, app: ASGIApp, renamed: Mapping[str, Mapping[str, str]]) -> None:
        self.app = app
        self.renamed = {object_type: Names(names) for object_type, names in renamed.items()}

    def _names(self, raw_type: str) -> Names | None:
        try:
            return self.renamed.get(resolve_type(raw_type))
        except HubSpotError:
            return None

    def _route(self, path: str) -> tuple[str, Names | None, re.Match[str]] | None:
        for pattern, kind in _PATHS:
            found = pattern.match(path)
            if found:
                names = self._names(found.group(1)) if found.group(1) else None
                return kind, names, found
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self._route(scope.get("path", "")) if scope["type"] == "http" else None
        if route is None or (route[1] is None and route[0] != "schemas"):
            await self.app(scope, receive, send)
            return
        kind, names, found = route
        scope = dict(scope)
        if names is not None:
            if kind == "properties" and found.group(2):
                start, end = found.span(2)
                path = scope["path"]
                scope["path"] = path[:start] + names.into(found.group(2)) + path[end:]
            query = parse_qsl(scope.get("query_string", b"").decode(), keep_blank_values=True)
            renamed = [
                (k, _csv(v, names) if k in ("properties", "propertiesWithHistory", "idProperty") else v)
                for k, v in query
            ]
            scope["query_string"] = urlencode(renamed).encode()
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = bool(message.get("more_body"))
        raw = b"".join(chunks)
        if raw and names is not None:
            try:
                raw = json.dumps(_request_body(json.loads(raw), names)).encode()
            except ValueError:
                pass  # not JSON: the endpoint answers that itself
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}

        start: Message = {}
        parts: list[bytes] = []

        async def answer(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            parts.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(parts)
            try:
                body = json.dumps(_answer(json.loads(body), kind, self._names, names)).encode()
            except ValueError:
                pass
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send(start | {"headers": [*headers, (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, replay, answer)
