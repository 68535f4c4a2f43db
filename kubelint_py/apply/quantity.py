"""resource.Quantity: parsing, the apiserver's error messages, exact comparison.

Follows k8s.io/apimachinery/pkg/api/resource/quantity.go (kubernetes/kubernetes, Apache-2.0):
`<sign><digits>[.<digits>]<suffix>`, binary suffixes Ki..Ei, decimal n u m "" k M G T P E, or an
exponent e<int>/E<int>. A bad quantity fails when the request body is decoded, before validation.
Values are exact (Decimal), rounded up to nano precision like the apiserver does.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
SUFFIX_ERROR = "unable to parse quantity's suffix"

_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")
_CONTEXT = decimal.Context(prec=80, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN, rounding=decimal.ROUND_UP)
_NANO = Decimal("1e-9")


class QuantityError(ValueError):
    """The apiserver's own message is the exception's text."""


def _split(text: str) -> tuple[bool, str, str, str]:
    """(positive, integer digits, fraction digits, suffix), scanning like parseQuantityString."""
    positive, pos, end = True, 0, len(text)
    if text[:1] in ("-", "+"):
        positive, pos = text[0] != "-", 1
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    whole, fraction = text[start:pos], ""
    if pos < end and text[pos] == ".":
        pos += 1
        fraction_start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        fraction = text[fraction_start:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(FORMAT_ERROR)
    return positive, whole, fraction, text[suffix_start:]


def _scale(suffix: str) -> tuple[int, int]:
    """(base, exponent) of a suffix: (10, 3) for k, (2, 20) for Mi, (10, 5) for e5."""
    if suffix in _DECIMAL:
        return 10, _DECIMAL[suffix]
    if suffix in _BINARY:
        return 2, _BINARY[suffix]
    if len(suffix) > 1 and suffix[0] in "eE":
        exponent = suffix[1:]
        digits = exponent[1:] if exponent[:1] in "+-" else exponent
        if digits and digits.isdigit():
            return 10, int(exponent)
    raise QuantityError(SUFFIX_ERROR)


def parse(value: Any) -> Decimal:
    """The exact value of a quantity given as a string or a JSON number; raises QuantityError."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise QuantityError(FORMAT_ERROR)
    text = value.strip() if isinstance(value, str) else repr(value)
    if not text:
        raise QuantityError(FORMAT_ERROR)
    positive, whole, fraction, suffix = _split(text)
    base, exponent = _scale(suffix)
    number = Decimal(f"{whole or '0'}.{fraction or '0'}")
    if base == 10:
        number = number.scaleb(exponent, _CONTEXT)
    else:
        number = _CONTEXT.multiply(number, Decimal(2**exponent))
    if number and number.as_tuple().exponent < -9:
        # Rounded up to whole nano units, so a tiny non-zero amount still asks for something.
        try:
            number = number.quantize(_NANO, context=_CONTEXT)
        except decimal.InvalidOperation:  # more than 80 digits: keep it exact
            pass
    return number if positive else -number


def parse_or_none(value: Any) -> Decimal | None:
    try:
        return parse(value)
    except QuantityError:
        return None


def suggest(value: Any) -> str | None:
    """A likely intended spelling for a bad quantity: 500mi → 500Mi, 2GB → 2G, 1 Gi → 1Gi, 1K → 1k."""
    if not isinstance(value, str):
        return None
    text = value.replace(" ", "")
    candidates = [text]
    for bad, good in (("ib", "i"), ("iB", "i"), ("B", ""), ("b", ""), ("K", "k")):
        if text.endswith(bad):
            candidates.append(text[: -len(bad)] + good)
    stem = text.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    unit = text[len(stem) :]
    for binary in _BINARY:
        if unit.lower() in (binary.lower(), binary.lower() + "b", binary[0].lower() + "b"):
            candidates.append(stem + binary)
    for candidate in candidates:
        if candidate != value and parse_or_none(candidate) is not None:
            return candidate
    return None


def is_whole(number: Decimal) -> bool:
    return number == number.to_integral_value()


def show(number: Decimal) -> str:
    """A value for messages: 1.5, 2, 0.1 (no exponent notation for ordinary sizes)."""
    number = number.normalize(_CONTEXT)
    return format(number, "f") if -12 < number.adjusted() < 30 else str(number)
