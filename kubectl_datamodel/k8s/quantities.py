"""Kubernetes resource quantities compared by value: "1" and "1000m" are one CPU.

The API server stores a quantity in its canonical form, so a manifest's `cpu: 1000m` comes
back as `cpu: "1"`; compared as text, every such field would read as drift.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_QUANTITY = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?")
_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


def canonical(value: object) -> object:
    """The quantity's value as a plain decimal string ("1000m" -> "1", "1Ki" -> "1024"), or
    `value` unchanged when it is not a quantity."""
    text = str(value).strip() if isinstance(value, str | int | float) else None
    match = _QUANTITY.fullmatch(text) if text else None
    if match is None:
        return value
    number, suffix = match.group(1), match.group(2) or ""
    try:
        amount = Decimal(number)
    except InvalidOperation:
        return value
    if suffix in _BINARY:
        amount *= Decimal(1024) ** _BINARY[suffix]
    elif suffix in _DECIMAL:
        amount = amount.scaleb(_DECIMAL[suffix])
    else:
        amount = amount.scaleb(int(suffix[1:]))
    return format(amount.normalize(), "f")
