"""The ID audit page's bulk accept: which open findings a pattern names."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase

from dashboard.transforms.audit import Finding


def findings_matching(findings: Iterable[Finding], kind: str, pattern: str) -> list[Finding]:
    """The findings of `kind` whose deal name, project ID, ID as written or message matches `pattern`.

    The pattern is a shell-style wildcard, case-insensitive (`Internal*`, `*-TEST-*`); without a wildcard
    it matches anywhere in the text. An empty pattern matches nothing: a bulk accept always names what it
    accepts."""
    wanted = pattern.strip().casefold()
    if not wanted:
        return []
    glob = wanted if any(ch in wanted for ch in "*?[") else f"*{wanted}*"
    return [f for f in findings if f.kind == kind and any(fnmatchcase(t, glob) for t in _texts(f))]


def _texts(f: Finding) -> Sequence[str]:
    return [str(value).casefold() for value in (f.deal_name, f.erp_project_id, f.raw_id, f.message) if value]
