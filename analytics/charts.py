"""Report and dashboard charts: matplotlib (Agg back end) rendered on the server to an
SVG string that the page inlines, with the numbers in a table below it.

One look everywhere: the Okabe-Ito palette (distinguishable with the common colour
vision deficiencies), thousands separators, the currency on money axes, text kept as
text (smaller files, the page's font, readable by screen readers), a title in the
SVG's aria-label. Every bar carries an id ``bar-<series>-<n>``, so tests (and
curious users) can count what was drawn.

Rules every chart keeps (docs/reports.md, "Charts"): a chart with nothing to draw
(no labels, or every value zero) is not drawn at all, and the page says so in
words instead of showing an empty axis; value axes tick at whole numbers only (the
labels show no decimals, so ticks at 0.2 and 0.4 would read 0, 0, 0, 1, 1, 1); and
category labels along the x axis are thinned so they never overlap.

A chart is cached under a hash of everything it draws (kind, labels, values,
options): the same figures give the same picture without running matplotlib again,
and any change in the data or the filters makes a new key.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache

from sms.svg import svg_inline

PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # green
    "#CC79A7",  # pink
    "#56B4E9",  # sky
    "#D55E00",  # vermillion
    "#999999",  # grey
    "#F0E442",  # yellow
)
MUTED = "#B8C4CE"  # the comparison series (same month last year...)
CACHE_SECONDS = 24 * 3600
VERSION = 7  # bump when the drawing code changes, so cached pictures are redrawn

Number = Decimal | int | float


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Number]
    color: str = ""


@dataclass(frozen=True)
class Chart:
    """What to draw. ``kind``: "bar" (grouped columns), "hbar" (horizontal bars,
    largest first, for top-N lists and funnels), "line", "pareto" (bars sorted
    descending plus the cumulative share on a second axis)."""

    kind: str
    title: str
    labels: Sequence[str]
    series: Sequence[Series]
    unit: str = ""  # axis label: the currency, "orders", "days"...
    percent: bool = False  # values are percentages (0-100)
    options: dict = field(default_factory=dict)

    def cache_key(self) -> str:
        payload = repr(
            (
                VERSION,
                self.kind,
                self.title,
                tuple(self.labels),
                tuple(
                    (s.name, tuple(str(v) for v in s.values), s.color)
                    for s in self.series
                ),
                self.unit,
                self.percent,
                sorted(self.options.items()),
            )
        )
        return "analytics:chart:" + hashlib.sha256(payload.encode()).hexdigest()

    @property
    def is_empty(self) -> bool:
        """Nothing to draw: no labels, or every value zero (or missing). Drawn, it
        would be an axis of 0, 0, -0 under a row of labels."""
        return not self.labels or not any(v for s in self.series for v in s.values)


def chart_svg(chart: Chart) -> str:
    """The chart as inline SVG, from the cache when the same chart was drawn before.
    An empty string when there is nothing to draw: the page says so in words."""
    if chart.is_empty:
        return ""
    key = chart.cache_key()
    svg = cache.get(key)
    if svg is None:
        svg = _render(chart)
        cache.set(key, svg, CACHE_SECONDS)
    return svg


RC = {"svg.fonttype": "none", "font.size": 9}


def _render(chart: Chart) -> str:
    from matplotlib import rc_context

    with rc_context(RC):
        figure = chart_figure(chart)
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return svg_inline(out.getvalue(), chart.title)


def chart_figure(chart: Chart):
    """The matplotlib Figure of ``chart``, laid out (what chart_svg saves)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(RC):
        # Narrower figures for half-width columns keep the text a readable size.
        figure = Figure(figsize=(_width(chart), _height(chart)), dpi=100)
        axes = figure.add_subplot()
        draw = {
            "bar": _bars,
            "hbar": _hbars,
            "line": _lines,
            "pareto": _pareto,
        }[chart.kind]
        draw(axes, chart)
        axes.spines[["top", "right"]].set_visible(False)
        figure.tight_layout()
    return figure


def _width(chart: Chart) -> float:
    return chart.options.get("width") or 9


def _height(chart: Chart) -> float:
    if chart.options.get("height"):
        return chart.options["height"]
    if chart.kind == "hbar":
        return max(2.2, 0.32 * len(chart.labels) + 0.8)
    return 3.2


def _floats(values: Sequence[Number]) -> list[float]:
    # Floats only for drawing: the table under the chart shows the exact amounts.
    return [float(v or 0) for v in values]


def _value_formatter(chart: Chart):
    from matplotlib.ticker import FuncFormatter

    if chart.percent:
        return FuncFormatter(lambda v, _pos: f"{v:,.0f} %")
    return FuncFormatter(lambda v, _pos: _compact(v))


def _compact(value: float) -> str:
    """Axis ticks: 950, 12,500, 1.2M: short enough for a phone-width chart."""
    size = abs(value)
    if size < 0.5:
        return "0"  # never "-0"
    if size >= 10_000_000:
        return f"{value / 1_000_000:,.0f}M"
    if size >= 1_000_000:
        return f"{value / 1_000_000:,.1f}M"
    return f"{value:,.0f}"


def _color(series: Series, index: int) -> str:
    return series.color or PALETTE[index % len(PALETTE)]


def _legend(axes, chart: Chart) -> None:
    # Above the plot, in one row: inside it, the legend hid the tallest bars.
    if len(chart.series) > 1:
        axes.legend(
            fontsize=8,
            frameon=False,
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncol=len(chart.series),
        )


def _bars(axes, chart: Chart) -> None:
    count = len(chart.series)
    width = 0.8 / count
    positions = range(len(chart.labels))
    for index, series in enumerate(chart.series):
        offset = (index - (count - 1) / 2) * width
        bars = axes.bar(
            [p + offset for p in positions],
            _floats(series.values),
            width,
            label=series.name,
            color=_color(series, index),
        )
        for n, bar in enumerate(bars):
            bar.set_gid(f"bar-{index}-{n}")
    _x_labels(axes, chart)
    # At least six slots wide, so one or two bars are not drawn as giant blocks;
    # the spare slots are split on both sides, so the bars stay centred.
    spare = max(6 - len(chart.labels), 0) / 2
    axes.set_xlim(-0.6 - spare, len(chart.labels) - 0.4 + spare)
    _whole_ticks(axes.yaxis)
    axes.yaxis.set_major_formatter(_value_formatter(chart))
    axes.set_ylabel(chart.unit, fontsize=8)
    axes.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    axes.set_axisbelow(True)
    _legend(axes, chart)


def _hbars(axes, chart: Chart) -> None:
    count = len(chart.series)
    height = 0.8 / count
    positions = range(len(chart.labels))
    for index, series in enumerate(chart.series):
        offset = (index - (count - 1) / 2) * height
        values = _floats(series.values)
        bars = axes.barh(
            [p + offset for p in positions],
            values,
            height,
            label=series.name,
            color=_color(series, index),
        )
        for n, bar in enumerate(bars):
            bar.set_gid(f"bar-{index}-{n}")
        if count == 1:
            suffix = " %" if chart.percent else ""
            axes.bar_label(
                bars,
                labels=[f"{v:,.0f}{suffix}" for v in values],
                padding=3,
                fontsize=8,
            )
    axes.set_yticks(
        list(positions), [_short(label) for label in chart.labels], fontsize=8
    )
    # The first row (the largest) on top; at least four slots, so one or two bars
    # are not drawn as blocks filling the picture.
    axes.set_ylim(max(len(chart.labels), 4) - 0.5, -0.5)
    _whole_ticks(axes.xaxis, nbins=4)  # four at most: no crowded tick labels
    axes.xaxis.set_major_formatter(_value_formatter(chart))
    axes.set_xlabel(chart.unit, fontsize=8)
    axes.margins(x=0.12)
    _legend(axes, chart)


def _whole_ticks(axis, nbins: int | str = "auto") -> None:
    """Ticks at whole numbers only. Every value axis here labels its ticks without
    decimals, so ticks at 0.2, 0.4... (matplotlib's choice for a count of 1) would
    read 0, 0, 0, 1, 1, 1. ``min_n_ticks=1`` keeps whole numbers even when the range
    holds a single one (amounts under 1), rather than falling back to fractions."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(
        MaxNLocator(nbins=nbins, steps=[1, 2, 2.5, 5, 10], integer=True, min_n_ticks=1)
    )


# Sizes of 8 pt tick labels, in inches: the width of a character upright, and the
# distance two labels slanted at 45 degrees need so that they do not touch.
CHAR_WIDTH = 0.065
SLANTED_PITCH = 0.25


def _x_labels(axes, chart: Chart) -> None:
    """One slot per label along the x axis, labelled so that no two labels
    overlap: upright while they fit side by side, else slanted and, when even
    slanted they would touch (sixty days, fifty-two weeks), only every n-th one,
    counted back from the last (the latest period is always named). Unnamed slots
    keep a small tick mark."""
    labels = list(chart.labels)
    count = len(labels)
    room = _width(chart) - 1.2  # the plot area, about: the figure less the y axis
    longest = max(len(label) for label in labels)
    if count <= 8 and count * longest * CHAR_WIDTH <= room:
        axes.set_xticks(range(count), labels, fontsize=8)
        return
    step = max(1, math.ceil(count * SLANTED_PITCH / room))
    shown = list(range(count - 1, -1, -step))[::-1]
    axes.set_xticks(
        shown, [labels[n] for n in shown], rotation=45, ha="right", fontsize=8
    )
    if step > 1:
        axes.set_xticks(range(count), minor=True)


def _short(label: str, size: int = 32) -> str:
    return label if len(label) <= size else label[: size - 1] + "…"


def _lines(axes, chart: Chart) -> None:
    positions = list(range(len(chart.labels)))
    for index, series in enumerate(chart.series):
        axes.plot(
            positions,
            _floats(series.values),
            marker="o",
            markersize=3,
            linewidth=1.8,
            label=series.name,
            color=_color(series, index),
        )
    _x_labels(axes, chart)
    _whole_ticks(axes.yaxis)
    axes.yaxis.set_major_formatter(_value_formatter(chart))
    axes.set_ylabel(chart.unit, fontsize=8)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    _legend(axes, chart)


def _pareto(axes, chart: Chart) -> None:
    """Bars (already sorted, most frequent first) and the cumulative share."""
    from matplotlib.ticker import FuncFormatter

    values = _floats(chart.series[0].values)
    positions = list(range(len(values)))
    bars = axes.bar(
        positions, values, 0.7, color=PALETTE[0], label=chart.series[0].name
    )
    for n, bar in enumerate(bars):
        bar.set_gid(f"bar-0-{n}")
    axes.set_xticks(
        positions,
        [_short(label, 20) for label in chart.labels],
        rotation=30,
        ha="right",
        fontsize=8,
    )
    # At least six slots wide, as in _bars: two reasons are not two giant blocks.
    spare = max(6 - len(values), 0) / 2
    axes.set_xlim(-0.6 - spare, len(values) - 0.4 + spare)
    axes.set_ylabel(chart.unit, fontsize=8)
    _whole_ticks(axes.yaxis)  # counts: 0, 1, 2, never 0, 0, 0, 1, 1, 1
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    total = sum(values) or 1.0
    running, cumulative = 0.0, []
    for value in values:
        running += value
        cumulative.append(100 * running / total)
    share = axes.twinx()
    share.plot(positions, cumulative, color=PALETTE[5], marker="o", markersize=3)
    share.set_ylim(0, 105)
    share.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.0f} %"))
    share.set_ylabel("cumulative share", fontsize=8)
    share.spines[["top"]].set_visible(False)


def hbar_chart(
    title: str,
    rows: Sequence[dict],
    value: str,
    *,
    label: str = "label",
    top: int | None = None,
    name: str = "",
    unit: str | None = None,
    options: dict | None = None,
) -> Chart:
    """Horizontal bars of ``rows`` (dicts, already in order): ``label`` names a
    bar, ``value`` sizes it (None drawn as 0), the first ``top`` rows only. The
    unit defaults to the currency."""
    from django.conf import settings

    shown = list(rows)[:top] if top else list(rows)
    return Chart(
        kind="hbar",
        title=title,
        labels=[str(row[label]) for row in shown],
        series=[Series(name or title, [row[value] or 0 for row in shown])],
        unit=settings.SMS_CURRENCY if unit is None else unit,
        options=options or {},
    )
