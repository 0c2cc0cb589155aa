"""Number formatting: one convention for the report, the CLI and the explorer.

Reports write 'n/a' for an undefined value; terminals and the explorer pass `na="-"`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

NA = "n/a"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def _with_interval(value: Any, low: Any, high: Any, render: Callable[[float], str], unit: str = "", na: str = NA) -> str:
    """`value` rendered, then its CI in parentheses when both bounds are given: `42.0% (30.1 to 55.2)`.

    Parentheses, not brackets: square brackets start links in Markdown."""
    if _missing(value):
        return na
    text = render(float(value)) + unit
    if not (_missing(low) or _missing(high)):
        text += f" ({render(float(low))} to {render(float(high))})"
    return text


def share(value: Any, low: Any = None, high: Any = None, *, digits: int = 1, na: str = NA) -> str:
    """A fraction as a percentage, with its CI when given: `42.0% (30.1 to 55.2)`."""
    return _with_interval(value, low, high, lambda v: f"{v * 100:.{digits}f}", "%", na)


def number(value: Any, low: Any = None, high: Any = None, *, digits: int = 3, signed: bool = False, na: str = NA) -> str:
    """A plain number (acts per turn, a mean), with its CI when given."""
    fmt = f"{'+' if signed else ''}.{digits}f"
    return _with_interval(value, low, high, lambda v: format(v, fmt), "", na)


def cost(value: Any, *, na: str = "-") -> str:
    """US dollars to four decimals (model calls cost fractions of a cent)."""
    return na if _missing(value) else f"${float(value):.4f}"


def points(value: Any, low: Any = None, high: Any = None, *, digits: int = 1) -> str:
    """A difference of fractions in percentage points: `+5.0 pp (-2.0 to +12.0)`."""
    return _with_interval(value, low, high, lambda v: f"{v * 100:+.{digits}f}", " pp")


def p_value(value: Any) -> str:
    """A p- or q-value: three decimals, `<0.001` below that."""
    if _missing(value):
        return NA
    return "<0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def count(value: Any) -> str:
    """An integer with thousands separators."""
    return NA if _missing(value) else f"{int(value):,}"


def fraction(k: Any, n: Any) -> str:
    """`k/n`, or `n/a` without a count."""
    if _missing(k) or _missing(n):
        return NA
    return f"{int(k):,}/{int(n):,}"
