"""Server-side sums in the method each version has: `read_group` up to 18, `formatted_read_group` from 19.

The two answer differently (odoo/models.py `read_group`; addons/web/models/models.py `formatted_read_group`,
`_web_read_group_format`): read_group keys a sum by the field's name ("amount") and always counts
("__count" when not lazy); formatted_read_group keys it by its spec ("amount:sum") and counts only when asked.
`group_arguments` builds the call for either and `normalized` reads either answer into one shape: the
groupby values, "__count", and each summed field under its name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from services.odoo.versions import GroupMethod


def group_arguments(
    method: GroupMethod, domain: list[Any], groupby: Sequence[str], aggregates: Sequence[str]
) -> dict[str, Any]:
    """The named arguments of one grouped call; `aggregates` are specs such as "amount:sum"."""
    if method == "read_group":
        return {"domain": domain, "fields": list(aggregates), "groupby": list(groupby), "lazy": False}
    return {"domain": domain, "groupby": list(groupby), "aggregates": [*aggregates, "__count"]}


def normalized(groups: Iterable[Mapping[str, Any]], aggregates: Sequence[str]) -> list[dict[str, Any]]:
    """Either method's groups as {groupby values..., "__count": n, "<field>": value for each aggregate}."""
    out = []
    for group in groups:
        row = {key: value for key, value in group.items() if not key.startswith("__") and ":" not in key}
        row["__count"] = int(group.get("__count") or 0)
        for spec in aggregates:
            field = spec.split(":", 1)[0]
            row[field] = group.get(spec, group.get(field))
        out.append(row)
    return out
