"""K-Means clustering of customers (analytics.clustering): pure, no database."""

import numpy as np
import pandas as pd
import pytest

from analytics import clustering, clustering_charts

# Clearly separated groups: (size, recency days, orders, net revenue).
BIG = (60, 10, 20, 5000.0)
LAPSED = (80, 300, 1, 40.0)
MIDDLE = (50, 60, 8, 400.0)
FREQUENT_SMALL = (40, 20, 30, 60.0)


def customers(*groups, seed=0):
    rng = np.random.default_rng(seed)
    parts = [
        pd.DataFrame(
            {
                "recency_days": rng.normal(r, r * 0.1, n).clip(0).round(),
                "frequency": rng.normal(f, f * 0.1, n).clip(1).round(),
                "monetary": rng.normal(m, m * 0.1, n).round(2),
                "group": g,
            }
        )
        for g, (n, r, f, m) in enumerate(groups)
    ]
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, "customer_id", np.arange(1, len(frame) + 1) * 3)
    return frame


def same_partition(a, b):
    return pd.crosstab(a, b).gt(0).sum(axis=1).eq(1).all()


@pytest.mark.parametrize(
    "groups", [(BIG, LAPSED, MIDDLE), (BIG, LAPSED, MIDDLE, FREQUENT_SMALL)]
)
def test_picks_the_number_of_separated_groups(groups):
    data = customers(*groups)
    result = clustering.cluster_customers(data)
    assert result.k == len(groups)
    assert not result.k_fixed
    assert sorted(result.silhouette) == list(range(2, 9))
    assert result.silhouette[result.k] == max(result.silhouette.values())
    assert same_partition(data["group"], result.labels["cluster"])
    assert result.labels["customer_id"].tolist() == data["customer_id"].tolist()
    assert result.features == ["recency_days", "frequency", "monetary"]


def test_deterministic_across_runs():
    data = customers(BIG, LAPSED, MIDDLE, FREQUENT_SMALL)
    first = clustering.cluster_customers(data)
    second = clustering.cluster_customers(data.copy())
    pd.testing.assert_frame_equal(first.labels, second.labels)
    pd.testing.assert_frame_equal(first.description, second.description)
    assert first.silhouette == second.silhouette


def test_description_in_original_units_with_labels():
    data = customers(BIG, LAPSED, MIDDLE)
    result = clustering.cluster_customers(data)
    desc = result.description.set_index("label")
    assert set(desc.index) == {
        "Recent frequent big spenders",
        "Lapsed one-timers",
        "Mid-range buyers",
    }
    # Numbered by revenue share, largest first.
    assert desc["cluster"].tolist() == [0, 1, 2]
    assert desc["revenue_share"].is_monotonic_decreasing
    big = desc.loc["Recent frequent big spenders"]
    assert big["size"] == 60
    assert big["median_recency_days"] == pytest.approx(10, abs=2)
    assert big["median_frequency"] == pytest.approx(20, abs=2)
    assert big["median_monetary"] == pytest.approx(5000, rel=0.05)
    lapsed = desc.loc["Lapsed one-timers"]
    assert lapsed["size"] == 80
    assert lapsed["median_frequency"] == 1
    assert lapsed["median_recency_days"] == pytest.approx(300, rel=0.05)
    assert desc["revenue_share"].sum() == pytest.approx(1.0)
    assert desc["customer_share"].sum() == pytest.approx(1.0)
    assert desc["revenue"].sum() == pytest.approx(data["monetary"].sum())


def test_label_rule_on_hand_made_clusters():
    # Overall medians: recency 100, orders 3, revenue 500.
    data = pd.DataFrame(
        {
            "customer_id": range(9),
            "recency_days": [100] * 6 + [5] * 3,
            "frequency": [10] * 3 + [3] * 3 + [1] * 3,
            "monetary": [100.0] * 3 + [500.0] * 3 + [5000.0] * 3,
        }
    )
    desc = clustering.describe_clusters(
        data, np.repeat([0, 1, 2], 3), ["recency_days", "frequency", "monetary"]
    )
    assert desc["label"].tolist() == [
        "Frequent small buyers",
        "Mid-range buyers",
        "Recent big-ticket one-timers",
    ]
    assert desc["revenue_share"].tolist() == pytest.approx(
        [300 / 16800, 1500 / 16800, 15000 / 16800]
    )
    # Equal labels are told apart.
    twins = clustering.describe_clusters(
        data, np.repeat([0, 1, 1], 3), ["recency_days", "frequency", "monetary"]
    )
    assert twins["label"].nunique() == len(twins)


def test_fixed_k_and_optional_features():
    data = customers(BIG, LAPSED, MIDDLE)
    data["avg_order_value"] = data["monetary"] / data["frequency"]
    data["tenure_days"] = data["recency_days"] + 200
    result = clustering.cluster_customers(data, k=5)
    assert result.k == 5
    assert result.k_fixed
    assert list(result.silhouette) == [5]
    assert result.labels["cluster"].nunique() == 5
    assert result.features[-2:] == ["avg_order_value", "tenure_days"]
    assert "median_avg_order_value" in result.description
    assert result.description["label"].nunique() == 5


def test_small_inputs():
    data = customers(BIG, LAPSED)
    one = clustering.cluster_customers(data.head(2))
    assert one.k == 1
    assert one.silhouette == {}
    assert one.labels["cluster"].tolist() == [0, 0]
    assert one.description["size"].tolist() == [2]
    three = clustering.cluster_customers(data.iloc[[0, 1, 70]])
    assert three.k == 2
    assert sorted(three.silhouette) == [2]
    with pytest.raises(ValueError, match="distinct"):
        clustering.cluster_customers(data.head(3), k=4)
    with pytest.raises(ValueError, match="monetary"):
        clustering.cluster_customers(data.drop(columns="monetary"))


def test_negative_revenue_is_clipped_for_the_features_only():
    data = customers(BIG, LAPSED, MIDDLE)
    data.loc[0, "monetary"] = -120.0
    matrix = clustering.feature_matrix(data, ["monetary"])
    assert np.isfinite(matrix).all()
    assert matrix[0, 0] == matrix[:, 0].min()
    result = clustering.cluster_customers(data)
    assert result.description["revenue"].sum() == pytest.approx(data["monetary"].sum())


def test_charts_are_svg_and_deterministic():
    data = customers(BIG, LAPSED, MIDDLE)
    result = clustering.cluster_customers(data)
    scatter = clustering_charts.scatter_svg(data, result, "recency_days", "monetary")
    assert "<svg" in scatter
    assert scatter == clustering_charts.scatter_svg(
        data, result, "recency_days", "monetary"
    )
    assert "Lapsed one-timers" in scatter
    sampled = clustering_charts.scatter_svg(
        data, result, "frequency", "monetary", max_points=20
    )
    assert "<svg" in sampled
    assert len(sampled) < len(scatter)
    curve = clustering_charts.silhouette_svg(result)
    assert "<svg" in curve
    assert "chosen k = 3" in curve
    assert "<svg" in clustering_charts.silhouette_svg(
        clustering.cluster_customers(data.head(2))
    )


def test_k_sweep_on_a_sample_then_all_customers():
    data = customers(BIG, LAPSED, MIDDLE)
    result = clustering.cluster_customers(data, fit_sample=90, silhouette_sample=60)
    assert result.k == 3
    assert len(result.labels) == len(data)
    assert same_partition(data["group"], result.labels["cluster"])
    again = clustering.cluster_customers(data, fit_sample=90, silhouette_sample=60)
    pd.testing.assert_frame_equal(result.labels, again.labels)


@pytest.mark.parametrize("sample", [60, 500])  # a sample of the rows, or all of them
def test_the_sweep_silhouette_equals_sklearns_sampled_silhouette(sample):
    matrix = clustering.feature_matrix(
        customers(BIG, LAPSED, MIDDLE, FREQUENT_SMALL), ["recency_days", "monetary"]
    )
    score = clustering._silhouette_sweep(matrix, sample, clustering.RANDOM_STATE)
    for k in (2, 3, 5):
        labels = clustering._kmeans(matrix, k, clustering.RANDOM_STATE, 2)
        expected = clustering._silhouette(
            matrix, labels, sample, clustering.RANDOM_STATE
        )
        assert score(labels) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_customers_with_the_same_values_share_a_cluster(seed):
    # Customer histories held by one to four customers each, rows shuffled: equal
    # feature rows are at equal distances from every centroid, so K-Means (chosen
    # or fixed k, and after a sweep on a sample) never splits them.
    rng = np.random.default_rng(seed)
    data = customers(BIG, LAPSED, MIDDLE, FREQUENT_SMALL, seed=seed)
    data = data.loc[data.index.repeat(rng.integers(1, 5, len(data)))]
    data = data.sample(frac=1, random_state=seed).reset_index(drop=True)
    data["customer_id"] = rng.permutation(len(data)) + 1
    values = ["recency_days", "frequency", "monetary"]
    for result in (
        clustering.cluster_customers(data),
        clustering.cluster_customers(data, k=8),
        clustering.cluster_customers(data, fit_sample=200),
    ):
        labelled = data.assign(cluster=result.labels["cluster"].to_numpy())
        assert labelled.groupby(values)["cluster"].nunique().eq(1).all()
