"""How every number in the report is written: one precision per quantity, thousands separators,
and one spelling per number, so that 1e-05, 1.0e-05 and 1e-5 can never stand for the same value.
"""

import math
import re

MISSING = "—"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(value) -> str:
    """A setting (learning rate, weight decay): the shortest exact spelling, exponent unpadded:
    0.001, 1e-5, 0, 1000."""
    if _missing(value):
        return MISSING
    text = repr(float(value)).removesuffix(".0")
    return re.sub(r"e([+-])0*(\d+)", lambda m: f"e{'-' if m[1] == '-' else ''}{m[2]}", text)


def pct(value) -> str:
    """An accuracy in percent: two decimals."""
    return MISSING if _missing(value) else f"{value:.2f}"


def points(value) -> str:
    """A difference of accuracies, in percentage points: signed, two decimals."""
    return MISSING if _missing(value) else f"{value:+.2f}".replace("-", "−")


def p_value(value) -> str:
    """A p-value with its name: two significant digits, below 0.0001 only said to be."""
    return MISSING if _missing(value) else ("p < 0.0001" if value < 1e-4 else f"p = {value:.2g}")


def share(value) -> str:
    """A share in percent: whole numbers."""
    return MISSING if _missing(value) else f"{value:.0f} %"


def count(value) -> str:
    """A whole number: thousands separators."""
    return MISSING if _missing(value) else f"{int(value):,}"


def seconds(value) -> str:
    return MISSING if _missing(value) else f"{value:,.1f}"


def megabytes(value) -> str:
    return MISSING if _missing(value) else f"{value:,.0f}"


def loss(value) -> str:
    """A cross-entropy loss: four significant digits."""
    return MISSING if _missing(value) else f"{value:.4g}"


def spread(std, n_seeds: int) -> str:
    """± one standard deviation over seeds, only when there are 2 or more seeds to have one."""
    return MISSING if n_seeds < 2 or _missing(std) else f"± {std:.2f}"


def words(items) -> str:
    """A list in a sentence: "a", "a and b", "a, b and c"."""
    items = [str(i) for i in items]
    return " and ".join(items) if len(items) < 3 else ", ".join(items[:-1]) + " and " + items[-1]


def counted(n: int, noun: str) -> str:
    """A count and its noun, singular for one: "1 universe", "12 universes"."""
    return f"{count(n)} {noun if n == 1 else noun + 's'}"


FILTERS = {
    "number": number,
    "pct": pct,
    "points": points,
    "p_value": p_value,
    "share": share,
    "count": count,
    "seconds": seconds,
    "megabytes": megabytes,
    "loss": loss,
    "words": words,
    "counted": counted,
}
