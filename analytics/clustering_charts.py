"""The segmentation charts: customers by cluster, and the silhouette per k.

:func:`scatter_svg` and :func:`silhouette_svg` draw with matplotlib's Agg canvas (no
pyplot, so they are safe in threads) and return SVG text; the SVG is deterministic
for the same input (fixed hash salt, no date). The scatter draws at most
``max_points`` customers, a fixed-seed sample, so the SVG stays small. Apart from
analytics/clustering.py so that the segmentation job does not import matplotlib.
"""

import io

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analytics.clustering import RANDOM_STATE, ClusteringResult
from analytics.job_options import FEATURE_TITLES


def _svg(figure: Figure) -> str:
    FigureCanvasAgg(figure)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "sms-analytics"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def scatter_svg(
    data: pd.DataFrame,
    result: ClusteringResult,
    x: str = "recency_days",
    y: str = "monetary",
    *,
    log: bool = True,
    max_points: int = 3000,
    random_state: int = RANDOM_STATE,
) -> str:
    """Scatter of two features (original units) coloured by cluster, as SVG text.

    ``log`` draws both axes on a symmetric log scale (linear below 1), which suits
    the long tails of frequency and revenue.
    """
    frame = pd.DataFrame(
        {
            "x": pd.to_numeric(data[x]).to_numpy(dtype="float64"),
            "y": pd.to_numeric(data[y]).to_numpy(dtype="float64"),
            "cluster": result.labels["cluster"].to_numpy(),
        }
    )
    if len(frame) > max_points:
        frame = frame.sample(n=max_points, random_state=random_state)
    labels = (
        result.description.set_index("cluster")["label"]
        if not result.description.empty
        else pd.Series(dtype="object")
    )
    figure = Figure(figsize=(7, 4.5))
    axes = figure.add_subplot()
    colours = matplotlib.colormaps["tab10"]
    for cluster, points in frame.groupby("cluster", sort=True):  # one per cluster
        name = labels.get(cluster, f"Cluster {cluster}")
        axes.scatter(
            points["x"],
            points["y"],
            s=12,
            alpha=0.7,
            color=colours(int(cluster) % 10),
            label=f"{cluster}: {name}",
        )
    if log:
        axes.set_xscale("symlog", linthresh=1)
        axes.set_yscale("symlog", linthresh=1)
    axes.set_xlabel(FEATURE_TITLES.get(x, x))
    axes.set_ylabel(FEATURE_TITLES.get(y, y))
    axes.legend(fontsize="small", loc="best")
    axes.set_title(f"Customer clusters (k = {result.k})")
    figure.tight_layout()
    return _svg(figure)


def silhouette_svg(result: ClusteringResult) -> str:
    """Silhouette score per k tried, the chosen k highlighted, as SVG text."""
    figure = Figure(figsize=(6, 3.5))
    axes = figure.add_subplot()
    ks = sorted(result.silhouette)
    scores = [result.silhouette[c] for c in ks]
    axes.plot(ks, scores, marker="o", color="tab:blue")
    if result.k in result.silhouette:
        axes.plot(
            [result.k],
            [result.silhouette[result.k]],
            marker="o",
            markersize=12,
            fillstyle="none",
            color="tab:red",
            linestyle="none",
            label=f"chosen k = {result.k}",
        )
        axes.legend(fontsize="small")
    if not ks:
        axes.text(
            0.5,
            0.5,
            "Too few customers to compare k",
            ha="center",
            transform=axes.transAxes,
        )
    axes.set_xticks(ks)
    axes.set_xlabel("Number of clusters (k)")
    axes.set_ylabel("Silhouette score")
    axes.set_title("Silhouette per k (higher is better)")
    figure.tight_layout()
    return _svg(figure)
