"""K-Means clustering of customers on recency, frequency and monetary value.

Pure pandas/scikit-learn: no Django, no database.

Input: one row per customer with ``customer_id``, ``recency_days``, ``frequency`` and
``monetary`` (the output of :func:`analytics.rfm.compute_rfm` fits), and optionally
``avg_order_value`` and ``tenure_days``: those two are used as features when present
(or pass ``features`` explicitly).

Method
------
1. Each feature is transformed with ``log1p`` (values below 0, such as a net revenue
   made negative by refunds, are clipped to 0 first) and standard-scaled, so no
   feature dominates by its unit and long tails do not decide the clusters.
2. K-Means with a fixed ``random_state`` and ``n_init`` (deterministic for the same
   input). Unless ``k`` is given, every k in 2..8 (bounded by the number of distinct
   customers minus one) is fitted and the one with the highest silhouette is chosen
   (ties: the smaller k). With more than ``fit_sample`` customers (default 20,000)
   the k sweep runs on a sample of that many drawn with the same random state, and
   the chosen k is then fitted on all customers; the silhouette is computed on at
   most ``silhouette_sample`` (default 5,000) of them, since it costs O(n^2):
   scikit-learn's ``silhouette_score(sample_size=..., random_state=...)``, a
   deterministic sample, the same one for every k, so its pairwise distances are
   computed once per sweep. K-Means and the silhouette run on one thread (see
   :func:`cluster_customers`). On the benchmark's 65,668 buyers (of 100,000
   customers, bench/bench_jobs.py) clustering takes about 3.5 s of CPU, and as much
   on 100,000 buyers: beyond the samples only the final fit grows with n.
3. Clusters are renumbered 0..k-1 by revenue share, largest first, so numbering is
   stable and meaningful, and described in original units: size, share of customers,
   median recency, frequency and monetary (and of the optional features), revenue and
   revenue share.

Small inputs: with fewer than three distinct customers no silhouette exists; all
customers form one cluster (k = 1) and ``silhouette`` is empty. A fixed ``k`` larger
than the number of distinct customers is an error.

Labels
------
Each cluster gets a plain-language label from how its medians compare with the
medians over all customers. A median is "high" above 1.25 x the overall median,
"low" below 0.8 x (for an overall median of 0: above or below 0), else "typical":

* recency: low -> "Recent", high -> "Lapsed", typical -> nothing;
* frequency: a cluster median of at most one order -> the noun "one-timers";
  otherwise high -> "frequent", else nothing;
* monetary: for one-timers high -> "big-ticket" before the noun; for repeat buyers
  the noun is "big spenders" (high), "small buyers" (low) or "mid-range buyers".

So "Recent frequent big spenders", "Lapsed one-timers", "Frequent small buyers",
"Recent big-ticket one-timers". Two clusters with the same label are told apart by
" (2)", " (3)" in cluster order.

Charts
------
Drawn by analytics/clustering_charts.py (matplotlib), not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import pairwise_distances, silhouette_score
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from threadpoolctl import threadpool_limits

from analytics.job_options import (
    BASE_FEATURES,
    K_RANGE,
    OPTIONAL_FEATURES,
)

RANDOM_STATE = 42
N_INIT = 10
SILHOUETTE_SAMPLE = 5_000
FIT_SAMPLE = 20_000
HIGH, LOW = 1.25, 0.8


@dataclass
class ClusteringResult:
    """What :func:`cluster_customers` found.

    ``labels``: one row per customer (customer_id, cluster), in input order.
    ``silhouette``: silhouette score per k tried (empty when none could be computed).
    ``k``: the number of clusters used; ``k_fixed``: whether the caller chose it.
    ``description``: one row per cluster in original units, with ``label``.
    ``features``: the feature columns used.
    """

    labels: pd.DataFrame
    silhouette: dict[int, float]
    k: int
    k_fixed: bool
    description: pd.DataFrame
    features: list[str] = field(default_factory=list)


def feature_matrix(data: pd.DataFrame, features: list[str]) -> np.ndarray:
    """log1p (after clipping at 0) then standard scaling of ``features``."""
    values = data.loc[:, features].apply(pd.to_numeric).astype("float64").fillna(0.0)
    logged = np.log1p(values.clip(lower=0.0).to_numpy())
    return StandardScaler().fit_transform(logged)


def _kmeans(matrix: np.ndarray, k: int, random_state: int, n_init: int) -> np.ndarray:
    model = KMeans(n_clusters=k, random_state=random_state, n_init=n_init)
    return model.fit_predict(matrix)


def _silhouette(matrix, labels, sample: int, random_state: int) -> float:
    size = sample if len(matrix) > sample else None
    return float(
        silhouette_score(matrix, labels, sample_size=size, random_state=random_state)
    )


def _silhouette_sweep(matrix: np.ndarray, sample: int, random_state: int):
    """``labels -> _silhouette(matrix, labels, sample, random_state)`` for many
    labelings of one matrix (the k sweep): the sample is drawn as silhouette_score
    draws it, and its pairwise distances (the O(n^2) part) computed once, not per k."""
    rows = np.arange(len(matrix))
    if len(matrix) > sample:
        rows = check_random_state(random_state).permutation(len(matrix))[:sample]
    distances = []  # computed on the first call: a sweep may try no k at all

    def score(labels: np.ndarray) -> float:
        if not distances:
            distances.append(pairwise_distances(matrix[rows]))
        labels = np.asarray(labels)[rows]
        return float(silhouette_score(distances[0], labels, metric="precomputed"))

    return score


def _level(cluster: pd.Series, overall: float) -> np.ndarray:
    if overall > 0:
        high, low = cluster > overall * HIGH, cluster < overall * LOW
    elif overall < 0:
        high, low = cluster > overall * LOW, cluster < overall * HIGH
    else:
        high, low = cluster > 0, cluster < 0
    return np.select([high, low], ["high", "low"], "typical")


def describe_clusters(
    data: pd.DataFrame, clusters: np.ndarray, features: list[str]
) -> pd.DataFrame:
    """Per cluster, in original units: size, shares, medians, revenue and a label."""
    frame = data.loc[:, list(dict.fromkeys([*BASE_FEATURES, *features]))].apply(
        pd.to_numeric
    )
    frame = frame.astype("float64").assign(cluster=clusters)
    grouped = frame.groupby("cluster", sort=True)
    medians = grouped[list(frame.columns.drop("cluster"))].median()
    medians.columns = [f"median_{c}" for c in medians.columns]
    out = pd.DataFrame(
        {"size": grouped.size(), "revenue": grouped["monetary"].sum()}
    ).join(medians)
    out["customer_share"] = out["size"] / out["size"].sum()
    total = out["revenue"].sum()
    out["revenue_share"] = out["revenue"] / total if total else np.nan
    out["label"] = _labels(out, frame.median(numeric_only=True))
    out = out.rename_axis("cluster").reset_index()
    first = ["cluster", "label", "size", "customer_share", "revenue", "revenue_share"]
    return out.loc[:, first + [c for c in out.columns if c not in first]]


def _labels(out: pd.DataFrame, overall: pd.Series) -> list[str]:
    recency = _level(out["median_recency_days"], overall["recency_days"])
    frequency = _level(out["median_frequency"], overall["frequency"])
    money = _level(out["median_monetary"], overall["monetary"])
    one_timers = (out["median_frequency"] <= 1).to_numpy()
    words = pd.DataFrame(
        {
            "recency": np.select(
                [recency == "low", recency == "high"], ["recent", "lapsed"], ""
            ),
            "frequency": np.where(~one_timers & (frequency == "high"), "frequent", ""),
            "money": np.where(one_timers & (money == "high"), "big-ticket", ""),
            "noun": np.where(
                one_timers,
                "one-timers",
                np.select(
                    [money == "high", money == "low"],
                    ["big spenders", "small buyers"],
                    "mid-range buyers",
                ),
            ),
        }
    )
    joined = words.apply(lambda row: " ".join(w for w in row if w), axis=1)
    labels = [text[:1].upper() + text[1:] for text in joined]
    seen: dict[str, int] = {}
    unique = []
    for label in labels:  # one per cluster (at most 8), not per customer
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return unique


# One thread for K-Means and the silhouette: with its OpenMP/BLAS threads on both
# cores, a fit waits on a core that another job, the database or the web server
# holds (10x slower on a busy two-core machine); one thread per job also leaves
# the other core to the worker's other job.
@threadpool_limits.wrap(limits=1)
def cluster_customers(
    data: pd.DataFrame,
    k: int | None = None,
    *,
    features: list[str] | None = None,
    k_range: tuple[int, int] = K_RANGE,
    random_state: int = RANDOM_STATE,
    n_init: int = N_INIT,
    silhouette_sample: int = SILHOUETTE_SAMPLE,
    fit_sample: int = FIT_SAMPLE,
) -> ClusteringResult:
    """Cluster customers with K-Means; k by silhouette over ``k_range`` unless given.

    See the module docstring for the transformation, the choice of k, small inputs
    and how clusters are numbered, described and labelled.
    """
    if features is None:
        features = [*BASE_FEATURES, *(c for c in OPTIONAL_FEATURES if c in data)]
    missing = [c for c in ["customer_id", *features] if c not in data.columns]
    if missing:
        raise ValueError(f"clustering input lacks columns: {', '.join(missing)}")
    n = len(data)
    matrix = feature_matrix(data, features) if n else np.empty((0, len(features)))
    distinct = len(np.unique(matrix, axis=0)) if n else 0

    silhouette: dict[int, float] = {}
    k_fixed = k is not None
    if k is not None:
        if not 1 <= k <= max(distinct, 1):
            raise ValueError(
                f"k = {k} needs at least {k} customers with distinct values "
                f"(recency, frequency, revenue); there are {distinct}."
            )
        clusters = _kmeans(matrix, k, random_state, n_init) if k > 1 else None
        if clusters is not None and k < n:
            silhouette[k] = _silhouette(
                matrix, clusters, silhouette_sample, random_state
            )
    else:
        sweep = matrix
        if n > fit_sample:
            rows = np.random.default_rng(random_state).choice(n, fit_sample, False)
            sweep = matrix[np.sort(rows)]
        low = k_range[0]
        high = min(k_range[1], len(np.unique(sweep, axis=0)) - 1)
        fits = {}
        score = _silhouette_sweep(sweep, silhouette_sample, random_state)
        for candidate in range(low, high + 1):  # at most 7 fits, not per customer
            fits[candidate] = _kmeans(sweep, candidate, random_state, n_init)
            silhouette[candidate] = score(fits[candidate])
        if fits:
            k = max(silhouette, key=lambda c: (silhouette[c], -c))
            clusters = (
                fits[k] if sweep is matrix else _kmeans(matrix, k, random_state, n_init)
            )
        else:
            k, clusters = 1, None
    if clusters is None:
        clusters = np.zeros(n, dtype=np.int64)

    clusters = _by_revenue(clusters, data["monetary"], k)
    labels = pd.DataFrame(
        {"customer_id": data["customer_id"].to_numpy(), "cluster": clusters}
    )
    description = describe_clusters(data, clusters, features) if n else pd.DataFrame()
    return ClusteringResult(
        labels=labels,
        silhouette=silhouette,
        k=k,
        k_fixed=k_fixed,
        description=description,
        features=list(features),
    )


def _by_revenue(clusters: np.ndarray, monetary: pd.Series, k: int) -> np.ndarray:
    """Renumber clusters by revenue, largest first (ties: by old number)."""
    revenue = (
        pd.Series(pd.to_numeric(monetary).to_numpy(dtype="float64"))
        .groupby(clusters)
        .sum()
        .reindex(range(k), fill_value=0.0)
    )
    order = np.lexsort((revenue.index.to_numpy(), -revenue.to_numpy()))
    mapping = np.empty(k, dtype=np.int64)
    mapping[order] = np.arange(k)
    return mapping[np.asarray(clusters, dtype=np.int64)]
