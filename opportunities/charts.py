"""The pipeline page's bar chart: matplotlib (Agg back end) rendered to an SVG string
on the server, cached by the data it draws (same figures, same picture).

It keeps the rules of the analytics charts (docs/reports.md, "Charts"): nothing
drawn when every figure is zero (the page says so), ticks at whole numbers only,
and month labels thinned so they never overlap. Its rows list every month, empty
ones at zero (opportunities.selectors.weighted_pipeline), so the bars are evenly
spaced in time. Every bar carries an id ``bar-<series>-<n>``."""

import hashlib
import io
import math

from django.core.cache import cache

from sms.svg import svg_inline

CACHE_SECONDS = 60 * 60


def pipeline_chart_svg(*, rows: list[dict], currency: str) -> str:
    """Weighted open pipeline and won revenue per month, as grouped bars; "" when
    there is nothing to draw."""
    if not any(r["weighted"] or r["won"] for r in rows):
        return ""
    key_data = repr(
        [(r["month"].isoformat(), str(r["weighted"]), str(r["won"])) for r in rows]
    )
    key = (
        "opp-pipeline-svg4:"
        + hashlib.sha256((key_data + currency).encode()).hexdigest()
    )
    svg = cache.get(key)
    if svg is None:
        svg = _render(rows=rows, currency=currency)
        cache.set(key, svg, CACHE_SECONDS)
    return svg


def _render(*, rows: list[dict], currency: str) -> str:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    labels = [r["month"].strftime("%b %Y") for r in rows]
    # Floats only for drawing: the table beside the chart shows the exact amounts.
    weighted = [float(r["weighted"]) for r in rows]
    won = [float(r["won"]) for r in rows]
    positions = range(len(rows))
    width = 0.4

    figure = Figure(figsize=(9, 3), dpi=100)
    axes = figure.add_subplot()
    drawn = (
        axes.bar(
            [p - width / 2 for p in positions],
            weighted,
            width,
            label="Weighted pipeline",
            color="#0d6efd",
        ),
        axes.bar(
            [p + width / 2 for p in positions],
            won,
            width,
            label="Won",
            color="#198754",
        ),
    )
    for series, bars in enumerate(drawn):
        for n, bar in enumerate(bars):
            bar.set_gid(f"bar-{series}-{n}")
    # Slanted month labels need about a quarter inch each in the 7.8 inches of
    # plot: beyond that, every n-th month is named, counted back from the last.
    step = max(1, math.ceil(len(rows) * 0.25 / 7.8))
    shown = list(range(len(rows) - 1, -1, -step))[::-1]
    axes.set_xticks(
        shown, [labels[n] for n in shown], rotation=45, ha="right", fontsize=8
    )
    if step > 1:
        axes.set_xticks(list(positions), minor=True)
    # At least six slots wide, so one or two months do not draw giant bars.
    axes.set_xlim(-0.6, max(len(rows), 6) - 0.4)
    # Whole numbers only: the labels show no decimals, so ticks at 0.2, 0.4...
    # would read 0, 0, 0, 1, 1, 1.
    axes.yaxis.set_major_locator(
        MaxNLocator(steps=[1, 2, 2.5, 5, 10], integer=True, min_n_ticks=1)
    )
    axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
    axes.tick_params(axis="y", labelsize=8)
    axes.set_ylabel(currency, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=8, frameon=False)
    figure.tight_layout()

    out = io.StringIO()
    # Text kept as text, as in the analytics charts: smaller, in the page's font,
    # readable by screen readers (and by tests).
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure.savefig(out, format="svg", metadata={"Date": None})
    return svg_inline(out.getvalue(), "Pipeline chart")
