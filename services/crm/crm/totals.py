"""Quote arithmetic: decimal only, half-up rounding to cents, computed by the server.

The rule (documented in docs/crm.md):
    line total = round_half_up(quantity x unit_price, 2)
    subtotal   = sum of line totals
    tax        = round_half_up(subtotal x tax_rate / 100, 2)
    total      = subtotal + tax
Lines are rounded one by one so the printed lines always add up to the printed subtotal,
which is what a client checks a quote against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# numeric(14,2) holds 12 digits before the point.
MAX_AMOUNT = Decimal("999999999999.99")


class AmountTooLarge(ValueError):
    """A quote whose total does not fit the money column."""


def round_cents(value: Decimal) -> Decimal:
    """Half-up to the cent: 0.005 -> 0.01, 2.675 -> 2.68 (exact, no binary surprises)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Line:
    description: str
    quantity: Decimal
    unit_price: Decimal

    @property
    def total(self) -> Decimal:
        # Enough precision that the product is exact before the one rounding step.
        with localcontext() as ctx:
            ctx.prec = 40
            return round_cents(self.quantity * self.unit_price)


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Decimal
    tax: Decimal
    total: Decimal


def compute_totals(lines: Sequence[Line], tax_rate: Decimal) -> Totals:
    """The quote's subtotal, tax and total; AmountTooLarge when they overflow the column."""
    with localcontext() as ctx:
        ctx.prec = 40
        subtotal = sum((line.total for line in lines), Decimal("0.00"))
        tax = round_cents(subtotal * tax_rate / HUNDRED)
        total = subtotal + tax
    if max(abs(subtotal), abs(total)) > MAX_AMOUNT:
        raise AmountTooLarge("The quote total is too large.")
    return Totals(subtotal=round_cents(subtotal), tax=tax, total=round_cents(total))


def plain_decimal(value: Decimal, *, min_places: int = 0) -> str:
    """`8.25`, `8.875`, `3`, `0.1`: no exponent, no trailing zeros beyond `min_places`."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, _, frac = text.partition(".")
    if len(frac) < min_places:
        frac = frac.ljust(min_places, "0")
    return f"{whole}.{frac}" if frac else whole
