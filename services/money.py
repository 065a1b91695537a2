"""Money as the ERP adapters hand it over: Decimal, rounded to the cent, whatever the size of the value.

Decimal's default context holds 28 digits, so `Decimal("1e26").quantize(Decimal("0.01"))` raises
InvalidOperation: one absurd line in an ERP would fail the whole read. Here the precision grows with the
value, so the adapter always finishes, and the dashboard flags the absurd amount on its own record
(dashboard/transforms/frames.py).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext

CENT = Decimal("0.01")


def cents(value: Decimal, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """`value` rounded to the cent (banker's rounding unless told); NaN and infinities pass through."""
    return quantized(value, CENT, rounding)


def quantized(value: Decimal, step: Decimal, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """`value` rounded to `step` (0.01, 0.0001...), with the precision its size needs."""
    if not value.is_finite():
        return value
    with localcontext(Context(prec=max(28, value.adjusted() - step.adjusted() + 2))):
        return value.quantize(step, rounding=rounding)
