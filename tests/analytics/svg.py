"""Reading the inline SVG charts back: the tick labels of an axis, and whether the
labels along the x axis overlap."""

import itertools
import math
import re
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def svgs(page: str) -> list[str]:
    """Every inline <svg>...</svg> in a page."""
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)


def tick_labels(svg: str, axis: int) -> list[str]:
    """The tick labels of an axis, in order. matplotlib numbers the axes in the
    order it draws them: 1 is the x axis and 2 the y axis of the plot, 3 and 4 a
    second plot's (the cumulative share of a Pareto chart is axis 4)."""
    root = ET.fromstring(svg)  # noqa: S314 - the app's own chart, not input
    for group in root.iter(f"{SVG}g"):
        if group.get("id") == f"matplotlib.axis_{axis}":
            return [
                text.text
                for tick in group
                if re.fullmatch(r"[xy]tick_\d+", tick.get("id", ""))
                for text in tick.iter(f"{SVG}text")
                if text.text
            ]
    raise AssertionError(f"no axis {axis} in the chart")


def x_labels_overlap(figure) -> bool:
    """Whether any two neighbouring x tick labels of the figure's first plot
    overlap. Upright labels: their boxes. Slanted ones (all at the same angle) are
    parallel strips: they clear each other when the distance between their
    anchors, across the slant, is at least the text's height."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    axes = figure.axes[0]
    labels = [label for label in axes.get_xticklabels() if label.get_text()]
    for left, right in itertools.pairwise(labels):
        if left.get_rotation() == 0:
            a = left.get_window_extent(renderer)
            b = right.get_window_extent(renderer)
            if a.x1 > b.x0:
                return True
            continue
        angle = math.radians(left.get_rotation())
        x0 = axes.transData.transform((left.get_position()[0], 0))[0]
        x1 = axes.transData.transform((right.get_position()[0], 0))[0]
        height = left.get_fontsize() * figure.dpi / 72
        if (x1 - x0) * math.sin(angle) < height:
            return True
    return False
