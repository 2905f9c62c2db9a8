"""The forecast chart: history, fitted values, forecast and its bands as inline SVG
(matplotlib, Agg back end). Apart from analytics/forecasting.py so that the forecast
job does not import matplotlib."""

import io

from analytics.forecasting import ForecastResult
from sms.svg import svg_inline


def forecast_chart_svg(
    result: ForecastResult, currency: str, *, measure: str = "Revenue"
) -> str:
    """History, fitted values, forecast and its 80 % / 95 % bands as an inline SVG
    (matplotlib, Agg back end). Callers cache it per data version. The forecast line
    carries the SVG id "forecast", with one marker per forecast month. ``measure``
    and ``currency`` name the y axis: "Revenue (EUR)", or "Units (pcs)" for a
    product's units."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.dates import AutoDateLocator, DateFormatter
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    history, fitted, table = result.history, result.fitted, result.forecast
    # Text stays text (selectable, small); ids are stable so the same data gives the
    # same SVG.
    svg_options = {"svg.hashsalt": "sms-forecast", "svg.fonttype": "none"}
    with matplotlib.rc_context(svg_options):
        figure = Figure(figsize=(9, 3.6), dpi=100)
        axes = figure.add_subplot()
        for level, alpha in ((95, 0.12), (80, 0.25)):
            axes.fill_between(
                table.index,
                table[f"lower_{level}"],
                table[f"upper_{level}"],
                color="#0d6efd",
                alpha=alpha,
                linewidth=0,
                label=f"{level} % interval",
                gid=f"band-{level}",
            )
        axes.plot(
            history.index,
            history.to_numpy(),
            color="#212529",
            linewidth=1.6,
            label=measure,
            gid="history",
        )
        axes.plot(
            fitted.index,
            fitted.to_numpy(),
            color="#6c757d",
            linewidth=1,
            linestyle="--",
            label=f"Fitted ({result.chosen_label})",
            gid="fitted",
        )
        # Joined to the last actual month so the line does not start in mid-air.
        axes.plot(
            [history.index[-1], table.index[0]],
            [history.iloc[-1], table["forecast"].iloc[0]],
            color="#0d6efd",
            linewidth=1.6,
            linestyle=":",
        )
        axes.plot(
            table.index,
            table["forecast"].to_numpy(),
            color="#0d6efd",
            linewidth=1.8,
            marker="o",
            markersize=3.5,
            label="Forecast",
            gid="forecast",
        )
        axes.axvline(table.index[0], color="#adb5bd", linewidth=0.8)

        locator = AutoDateLocator(minticks=4, maxticks=10)
        axes.xaxis.set_major_locator(locator)
        axes.xaxis.set_major_formatter(DateFormatter("%b %Y"))
        axes.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
        axes.tick_params(labelsize=8)
        for label in axes.get_xticklabels():
            label.set_rotation(30)
            label.set_horizontalalignment("right")
        axes.set_xlabel("Month", fontsize=9)
        axes.set_ylabel(f"{measure} ({currency})", fontsize=9)
        axes.set_ylim(bottom=min(0.0, float(table["lower_95"].min())))
        axes.spines[["top", "right"]].set_visible(False)
        axes.legend(fontsize=8, frameon=False, loc="upper left", ncols=3)
        figure.tight_layout()

        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return svg_inline(out.getvalue(), f"{measure} forecast chart")
