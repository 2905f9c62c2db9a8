"""Drawing helpers shared by the demo generators: weighted tables, a fast randint,
the history's length in days, and ASCII slugs for made-up e-mail addresses."""

import random
import unicodedata
from collections.abc import Callable, Iterable

# progress(phase, advance, total)
Progress = Callable[[str, int, int], None]


def cumulative(weights: Iterable) -> list:
    total, out = 0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


class Weighted:
    """rng.choices over a fixed table, with the cumulative weights computed once."""

    def __init__(self, table: dict):
        self.values = list(table)
        self.cum = cumulative(table.values())

    def __call__(self, rng: random.Random):
        return rng.choices(self.values, cum_weights=self.cum)[0]


def uniform_int(rng: random.Random, low: int, high: int) -> int:
    """rng.randint(low, high), in one step: it is called millions of times."""
    return low + int(rng.random() * (high - low + 1))


def span_days(months: int) -> int:
    """The days of ``months`` months of history, ending today."""
    return max(1, round(months * 30.44))


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens (umlauts spelled out)."""
    text = text.replace("ß", "ss")
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, plain).replace(umlaut.upper(), plain.title())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())
