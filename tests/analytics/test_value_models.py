"""The value model's mathematics (analytics/value_models.py): maximum-likelihood
fits recover known parameters from simulated customers, the formulas match hand
computations, and the numbers stay finite on extreme inputs."""

import math

import numpy as np
import pytest
from scipy import optimize

from analytics import value_models as vm
from tests.analytics.value_simulation import simulate, summary

# Fader, Hardie & Lee (2005), "Counting your customers the easy way": the CDNow
# fit, in weeks.
CDNOW = vm.BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426, log_likelihood=0.0)


def test_bgnbd_and_gamma_gamma_fits_recover_the_simulated_parameters():
    # 20,000 customers over two years, their first purchases spread over the
    # first half year. Over seeds 0 to 9 the worst estimate was 5.7 % off.
    truth_bgnbd = (1.0, 4.0, 0.6, 3.0)  # r, alpha, a, b
    truth_gamma_gamma = (1.5, 5.0, 40.0)  # p, q, gamma
    population = simulate(
        customers=20_000,
        weeks=104,
        bgnbd=truth_bgnbd,
        gamma_gamma=truth_gamma_gamma,
        seed=0,
        births=26,
    )
    data = summary(population, end=104)
    bgnbd = vm.bgnbd_fit(data["x"], data["t_x"], data["T"])
    fitted = (bgnbd.r, bgnbd.alpha, bgnbd.a, bgnbd.b)
    assert fitted == pytest.approx(truth_bgnbd, rel=0.10)
    repeat = data["n"] >= 2
    gamma_gamma = vm.gamma_gamma_fit(data["n"][repeat], data["mean_value"][repeat])
    fitted = (gamma_gamma.p, gamma_gamma.q, gamma_gamma.gamma)
    assert fitted == pytest.approx(truth_gamma_gamma, rel=0.10)
    # The maximum is the maximum: the true parameters are no more likely.
    at_truth = vm.bgnbd_log_likelihood(
        *truth_bgnbd, data["x"], data["t_x"], data["T"]
    ).sum()
    assert bgnbd.log_likelihood >= at_truth
    at_truth = vm.gamma_gamma_log_likelihood(
        *truth_gamma_gamma, data["n"][repeat], data["mean_value"][repeat]
    ).sum()
    assert gamma_gamma.log_likelihood >= at_truth


def test_expected_purchases_match_a_hand_computation():
    # The customer of FHL (2005), section 5: x = 2 repeat purchases, the last at
    # t_x = 30.43 weeks, observed for T = 38.86 weeks; the next t = 39 weeks.
    # P(alive) = 1 / (1 + a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x))
    #          = 1 / (1 + 0.793 / 3.426 * (43.274 / 34.844)^2.243)
    #          = 1 / (1 + 0.231465 * 1.625789) = 1 / 1.376314 = 0.726579
    alive = vm.probability_alive(CDNOW, [2], [30.43], [38.86])[0]
    assert alive == pytest.approx(0.726579, abs=1e-6)
    # E = P(alive) * (a + b + x - 1) / (a - 1)
    #     * (1 - ((alpha + T) / (alpha + T + t))^(r + x) * 2F1(r + x, b + x;
    #                                         a + b + x - 1; t / (alpha + T + t)))
    # with 2F1(2.243, 4.426; 4.219; 39 / 82.274 = 0.474026) summed term by term:
    z = 39 / 82.274
    terms, term = [], 1.0
    for n in range(80):
        terms.append(term)
        term *= (2.243 + n) * (4.426 + n) / ((4.219 + n) * (n + 1)) * z
    hyp = math.fsum(terms)  # 1 + 1.115406 + 0.891342 + 0.617474 + ... = 4.575316
    assert terms[:3] == pytest.approx([1, 1.115406, 0.891342], abs=1e-6)
    assert hyp == pytest.approx(4.575316, abs=1e-6)
    # (43.274 / 82.274)^2.243 = 0.236659; 1 - 0.236659 * 4.575316 = -0.082790;
    # 4.219 / -0.207 = -20.381643; E = 0.726579 * -20.381643 * -0.082790 = 1.226028
    expected = 0.726579 * (4.219 / -0.207) * (1 - (43.274 / 82.274) ** 2.243 * hyp)
    assert expected == pytest.approx(1.226028, abs=1e-5)
    computed = vm.conditional_expected_purchases(CDNOW, 39, [2], [30.43], [38.86])
    assert computed[0] == pytest.approx(1.226028, abs=1e-5)  # FHL report 1.226


def test_probability_alive_is_one_without_a_repeat_purchase_and_falls_with_silence():
    x = np.array([0, 0, 3, 3, 3])
    t_x = np.array([0, 0, 50, 30, 5])
    T = np.array([1, 500, 52, 52, 52])
    alive = vm.probability_alive(CDNOW, x, t_x, T)
    # x = 0: the model only lets customers drop out after a repeat purchase.
    assert alive[:2].tolist() == [1.0, 1.0]
    # The same three purchases, the last one longer ago: less likely still active.
    assert 1 > alive[2] > alive[3] > alive[4] > 0
    # A frequent buyer long silent: practically gone, but a number, not NaN.
    gone = vm.probability_alive(CDNOW, [400], [10], [10_000])[0]
    assert gone == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize(
    "model",
    [
        CDNOW,
        vm.BgNbd(r=30, alpha=2, a=0.999, b=1000, log_likelihood=0),
        # A fit with no dropout (a -> 0, b -> infinity), as the demo data give: scipy's
        # 2F1 returns NaN for t / (alpha + T) > 1 there.
        vm.BgNbd(r=1.12, alpha=9.99, a=6.1e-6, b=1.03e5, log_likelihood=0),
        vm.BgNbd(r=1.1, alpha=10, a=1 + 1e-7, b=3, log_likelihood=0),  # a = 1
    ],
)
def test_expected_purchases_stay_finite_and_agree_with_integration_on_extreme_inputs(
    model,
):
    x = np.array([0, 0, 1, 5, 50, 500, 5000, 5000], dtype=float)
    T = np.array([0, 0.1, 1, 52, 104, 520, 800, 10_000], dtype=float)
    t_x = T * np.array([0, 0, 0.5, 1, 0.9, 0.1, 1, 0.5])
    for horizon in (1, 52, 520):
        expected = vm.conditional_expected_purchases(model, horizon, x, t_x, T)
        assert np.all(np.isfinite(expected)) and np.all(expected >= 0)
        # The same expectation integrated numerically over the dropout probability.
        alive = vm.probability_alive(model, x, t_x, T)
        integrated = vm._expected_if_alive_quadrature(model, horizon, x, T) * alive
        assert expected == pytest.approx(integrated, rel=1e-4, abs=1e-9)
        # Never more than a Poisson buyer at the posterior rate would make.
        ceiling = (model.r + x) / (model.alpha + T) * horizon
        assert np.all(expected <= ceiling * (1 + 1e-9))


def test_the_analytic_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 12, 300).astype(float)
    T = rng.uniform(1, 100, 300)
    t_x = np.where(x > 0, T * rng.uniform(0, 1, 300), 0)
    point = np.array([0.4, 6.0, 0.8, 2.5])

    def ll(theta):
        return vm._bgnbd_terms(*theta, x, t_x, T)[0].sum()

    def grad(theta):
        return np.array([g.sum() for g in vm._bgnbd_terms(*theta, x, t_x, T, True)[1]])

    numeric = optimize.approx_fprime(point, ll, 1e-7)
    assert grad(point) == pytest.approx(numeric, rel=1e-4)
    n = rng.integers(2, 20, 300).astype(float)
    m = rng.gamma(3, 20, 300)
    point = np.array([2.0, 4.0, 30.0])

    def gg(theta):
        return vm._gamma_gamma_terms(*theta, n, m)[0].sum()

    numeric = optimize.approx_fprime(point, gg, 1e-7)
    analytic = [g.sum() for g in vm._gamma_gamma_terms(*point, n, m, True)[1]]
    assert analytic == pytest.approx(numeric, rel=1e-4)


def test_expected_value_per_purchase_is_the_weighted_mean_of_own_and_population():
    model = vm.GammaGamma(p=6.25, q=3.74, gamma=15.44, log_likelihood=0)
    # Population mean p gamma / (q - 1) = 6.25 * 15.44 / 2.74 = 35.219
    assert model.mean_value == pytest.approx(35.2190, abs=1e-4)
    # n = 4 purchases averaging 50: weight on own mean p n / (p n + q - 1)
    # = 25 / 27.74 = 0.90123; 0.90123 * 50 + 0.09877 * 35.219 = 48.540
    value = vm.conditional_expected_value(model, [4, 1, 100], [50, 50, 50])
    assert value[0] == pytest.approx(48.540, abs=1e-3)
    # One purchase counts less; a hundred almost fully.
    assert model.mean_value < value[1] < value[0] < value[2] < 50


def test_a_fit_without_a_finite_maximum_says_so():
    with pytest.raises(vm.FitError):
        vm.gamma_gamma_fit([2, 3], [0.0, 0.0])
