"""Money as the ERP adapters hand it over: Decimal, rounded to the cent, whatever the size of the value.

Decimal's default context holds 28 digits, so `Decimal("1e26").quantize(Decimal("0.01"))` raises
InvalidOperation: one absurd line in an ERP would fail the whole read. Here the precision grows with the
value, so the adapter always finishes, and the dashboard flags the absurd amount on its own record
(dashboard/transforms/frames.py).
"""

from __future__ import annotations

import functools
from decimal import ROUND_HALF_EVEN, Context, Decimal

CENT = Decimal("0.01")


def cents(value: Decimal, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """`value` rounded to the cent (banker's rounding unless told); NaN and infinities pass through."""
    return quantized(value, CENT, rounding)


def quantized(value: Decimal, step: Decimal, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """`value` rounded to `step` (0.01, 0.0001...), with the precision its size needs."""
    if not value.is_finite():
        return value
    return value.quantize(
        step, rounding=rounding, context=_context(max(28, value.adjusted() - step.adjusted() + 2))
    )


@functools.cache
def _context(precision: int) -> Context:
    """One context per precision, passed to `quantize` (a refresh rounds 30,000 figures; entering a
    local context for each took half the time). Its traps are Decimal's defaults, as `localcontext`'s."""
    return Context(prec=precision)
