"""The two probabilistic models behind customer value, fitted by maximum likelihood
with scipy. Pure numpy: arrays in, arrays out; no pandas, no database.

**BG/NBD** (Fader, Hardie & Lee 2005, "Counting your customers the easy way"):
while active, a customer buys at a Poisson rate lambda (Gamma(r, alpha) across
customers); after each repeat purchase they drop out with probability p (Beta(a, b)
across customers). Per customer: ``x`` repeat purchases (purchases after the first),
``t_x`` the time of the last purchase and ``T`` the time of the "as of" date, both
measured from the first purchase. Times are in weeks here (``analytics.value``).

**Gamma-Gamma** (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie 2013 note):
a customer's purchase values are Gamma(p, nu), nu is Gamma(q, gamma) across
customers, independent of the purchase process. Per customer: ``n`` purchases and
their mean value ``m``.

Both fits minimise the mean negative log-likelihood with L-BFGS-B over the
logarithms of the parameters (so they stay positive), with analytic gradients and
several starting points; the best converged start wins. Customers with the same
inputs are fitted once with a weight (a one-time buyer differs from another only by
T), which keeps a fit of 100,000 customers well under a second.
"""

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special
from threadpoolctl import threadpool_limits

# Log-parameter bounds: e^-12..e^12 covers any sensible time unit and money scale,
# and keeps the optimiser away from overflow.
LOG_BOUND = 12.0
# Nodes of the quadrature that stands in where scipy's 2F1 fails.
QUADRATURE_NODES = 64


class FitError(ValueError):
    """The likelihood could not be maximised (no finite optimum)."""


@dataclass(frozen=True)
class BgNbd:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float  # total over the customers fitted

    def as_dict(self) -> dict:
        return {
            "r": self.r,
            "alpha": self.alpha,
            "a": self.a,
            "b": self.b,
            "log_likelihood": self.log_likelihood,
        }


@dataclass(frozen=True)
class GammaGamma:
    p: float
    q: float
    gamma: float
    log_likelihood: float

    @property
    def mean_value(self) -> float:
        """The population's mean value per purchase, p gamma / (q - 1)."""
        return self.p * self.gamma / (self.q - 1)

    def as_dict(self) -> dict:
        return {
            "p": self.p,
            "q": self.q,
            "gamma": self.gamma,
            "log_likelihood": self.log_likelihood,
        }


def _compress(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of the columns and how often each occurs."""
    stacked = np.column_stack(columns)
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(float)


def _weighted_sum(weight: np.ndarray, values: np.ndarray) -> float:
    # Elementwise, not a BLAS dot product (see _minimise).
    return float(np.sum(weight * values))


# One thread, as for K-Means (analytics/clustering.py): BLAS threads waiting for a
# core held by the database or another job made a fit ten times slower.
@threadpool_limits.wrap(limits=1)
def _minimise(objective, starts, bounds) -> optimize.OptimizeResult:
    """The best of L-BFGS-B runs from ``starts`` (log-parameters)."""
    best = None
    for start in starts:
        with np.errstate(all="ignore"):
            result = optimize.minimize(
                objective, np.asarray(start, dtype=float), jac=True,
                method="L-BFGS-B", bounds=bounds,
                options={"ftol": 1e-12, "gtol": 1e-8},
            )  # fmt: skip
        if not np.isfinite(result.fun):
            continue
        if best is None or result.fun < best.fun:
            best = result
    if best is None:
        raise FitError("The likelihood has no finite maximum on this data.")
    return best


# --- BG/NBD ---------------------------------------------------------------------


def bgnbd_log_likelihood(
    r: float, alpha: float, a: float, b: float, x, t_x, T
) -> np.ndarray:
    """Each customer's log-likelihood (FHL 2005, eq. 6, in log-sum-exp form)."""
    return _bgnbd_terms(r, alpha, a, b, x, t_x, T)[0]


def _bgnbd_terms(r, alpha, a, b, x, t_x, T, gradient: bool = False):
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    repeat = x > 0
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (
        special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    a3 = -(r + x) * np.log(alpha + T)
    # The second term exists for repeat buyers only; b + x - 1 > 0 there.
    bx1 = np.where(repeat, b + x - 1, 1.0)
    a4 = np.where(
        repeat, np.log(a) - np.log(bx1) - (r + x) * np.log(alpha + t_x), -np.inf
    )
    top = np.maximum(a3, a4)
    ll = a1 + a2 + top + np.log(np.exp(a3 - top) + np.exp(a4 - top))
    if not gradient:
        return ll, None
    # Weight of the "still active" term: P(alive) (eq. 13).
    w3 = 1.0 / (1.0 + np.exp(a4 - a3))
    w4 = 1.0 - w3
    d_r = (
        special.digamma(r + x)
        - special.digamma(r)
        + np.log(alpha)
        - w3 * np.log(alpha + T)
        - w4 * np.log(alpha + t_x)
    )
    d_alpha = r / alpha - w3 * (r + x) / (alpha + T) - w4 * (r + x) / (alpha + t_x)
    d_a2_a = special.digamma(a + b) - special.digamma(a + b + x)
    d_a = d_a2_a + w4 / a
    d_b = (
        d_a2_a
        + special.digamma(b + x)
        - special.digamma(b)
        - np.where(repeat, w4 / bx1, 0.0)
    )
    return ll, (d_r, d_alpha, d_a, d_b)


def bgnbd_fit(x, t_x, T) -> BgNbd:
    """Maximum-likelihood r, alpha, a, b."""
    (x, t_x, T), weight = _compress(x, t_x, T)
    total = weight.sum()

    def objective(theta):
        r, alpha, a, b = np.exp(theta)
        ll, grads = _bgnbd_terms(r, alpha, a, b, x, t_x, T, gradient=True)
        value = -_weighted_sum(weight, ll) / total
        grad = -np.array([_weighted_sum(weight, g) for g in grads]) / total
        grad *= np.exp(theta)  # d parameter / d log-parameter
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            return np.inf, np.zeros(4)
        return value, grad

    scale = max(float(np.mean(T)), 1e-3)
    starts = (
        np.log([1.0, scale, 1.0, 1.0]),
        np.log([0.5, scale / 4, 0.5, 2.0]),
        np.log([2.0, scale * 2, 2.0, 8.0]),
    )
    best = _minimise(objective, starts, [(-LOG_BOUND, LOG_BOUND)] * 4)
    r, alpha, a, b = (float(v) for v in np.exp(best.x))
    return BgNbd(r, alpha, a, b, float(-best.fun * total))


def probability_alive(model: BgNbd, x, t_x, T) -> np.ndarray:
    """P(still active at T | x, t_x, T) (eq. 13): 1 for customers without a repeat
    purchase (the model lets a customer drop out only after a repeat purchase)."""
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    repeat = x > 0
    bx1 = np.where(repeat, b + x - 1, 1.0)
    # log of a / (b + x - 1) * ((alpha + T) / (alpha + t_x))^(r + x), bounded so
    # exp() cannot overflow (a ratio of e^700 is "dead" either way).
    log_ratio = (
        np.log(a) - np.log(bx1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    )
    log_ratio = np.minimum(log_ratio, 700.0)
    return np.where(repeat, 1.0 / (1.0 + np.exp(log_ratio)), 1.0)


def conditional_expected_purchases(model: BgNbd, t: float, x, t_x, T) -> np.ndarray:
    """E[purchases in (T, T + t] | x, t_x, T] (eq. 10):

        P(alive) * (a + b + x - 1) / (a - 1)
                 * (1 - ((alpha + T) / (alpha + T + t))^(r + x)
                        * 2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t)))

    computed in the Pfaff-transformed form
    ``(1 - 2F1(r + x, a - 1; a + b + x - 1; -t / (alpha + T)))``, which has no
    huge 2F1 times tiny power to cancel for large x or T. Where scipy's 2F1 still
    fails (a ~ 1, extreme arguments) the same expectation is integrated over the
    dropout probability instead; never NaN."""
    x = np.asarray(x, dtype=float)
    t_x = np.asarray(t_x, dtype=float)
    T = np.asarray(T, dtype=float)
    if t <= 0:
        return np.zeros_like(x)
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    c = a + b + x - 1
    z = -t / (alpha + T)
    with np.errstate(all="ignore"):
        hyp = special.hyp2f1(r + x, a - 1, c, z)
        # scipy's 2F1 gives NaN for some z < -1 (b huge: a fit with no dropout).
        # Pfaff again, on the other parameter, maps z to t / (alpha + T + t) in
        # (0, 1), which it handles.
        retry = ~np.isfinite(hyp)
        if retry.any():
            zr = z[retry]
            hyp[retry] = (1 - zr) ** (1 - a) * special.hyp2f1(
                c[retry] - r - x[retry], a - 1, c[retry], zr / (zr - 1)
            )
        alive_value = c / (a - 1) * (1.0 - hyp)
    bad = ~np.isfinite(alive_value) | (alive_value < 0) | (abs(a - 1) < 1e-6)
    if bad.any():  # rare: a handful of customers at most
        alive_value[bad] = _expected_if_alive_quadrature(model, t, x[bad], T[bad])
    return probability_alive(model, x, t_x, T) * alive_value


def _expected_if_alive_quadrature(
    model: BgNbd, t: float, x: np.ndarray, T: np.ndarray
) -> np.ndarray:
    """E[purchases in (T, T + t] | alive, x, T] as the mean, over the posterior
    Beta(a, b + x) of the dropout probability p, of the expectation given p,
    (1 - ((alpha + T) / (alpha + T + p t))^(r + x)) / p, integrated over the
    posterior's quantiles u (p = its inverse CDF at u) with Gauss-Legendre nodes:
    the function is bounded (by (r + x) t / (alpha + T)) and monotone in p, so
    this needs no knowledge of where the posterior's mass is."""
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    nodes, weights = np.polynomial.legendre.leggauss(QUADRATURE_NODES)
    u = (nodes + 1) / 2  # on (0, 1)
    shape = (r + x)[:, None]
    scale = (t / (alpha + T))[:, None]
    p = special.betaincinv(a, (b + x)[:, None], u[None, :])
    with np.errstate(all="ignore"):
        # -expm1(-shape * log1p(scale p)) / p: exact for tiny p as well.
        given_p = np.where(
            p > 0, -np.expm1(-shape * np.log1p(scale * p)) / p, shape * scale
        )
    value = np.sum(given_p * (weights / 2), axis=1)
    return np.where(np.isfinite(value) & (value >= 0), value, 0.0)


# --- Gamma-Gamma ----------------------------------------------------------------


def _gamma_gamma_terms(p, q, gamma, n, m, gradient: bool = False):
    pn = p * n
    log_gnm = np.log(gamma + n * m)
    ll = (
        special.gammaln(pn + q)
        - special.gammaln(pn)
        - special.gammaln(q)
        + q * np.log(gamma)
        + (pn - 1) * np.log(m)
        + pn * np.log(n)
        - (pn + q) * log_gnm
    )
    if not gradient:
        return ll, None
    psi = special.digamma(pn + q)
    d_p = n * (psi - special.digamma(pn) + np.log(m) + np.log(n) - log_gnm)
    d_q = psi - special.digamma(q) + np.log(gamma) - log_gnm
    d_gamma = q / gamma - (pn + q) / (gamma + n * m)
    return ll, (d_p, d_q, d_gamma)


def gamma_gamma_fit(n, m) -> GammaGamma:
    """Maximum-likelihood p, q > 1, gamma from each customer's number of purchases
    ``n`` and their mean value ``m`` (> 0). q is kept above 1 (q = 1 + e^theta): at
    or below 1 the mean value per purchase would be infinite. Values are scaled by
    their median for the fit (gamma is in money units and scales with them)."""
    n = np.asarray(n, dtype=float)
    m = np.asarray(m, dtype=float)
    unit = float(np.median(m))
    if not unit > 0:
        raise FitError("Mean purchase values must be positive.")
    (n, m), weight = _compress(n, m / unit)
    total = weight.sum()

    def objective(theta):
        p, q_minus_1, gamma = np.exp(theta)
        ll, grads = _gamma_gamma_terms(p, 1 + q_minus_1, gamma, n, m, gradient=True)
        value = -_weighted_sum(weight, ll) / total
        grad = -np.array([_weighted_sum(weight, g) for g in grads]) / total
        grad *= np.exp(theta)  # d parameter / d theta (d q / d theta = q - 1)
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            return np.inf, np.zeros(3)
        return value, grad

    starts = (np.log([1.0, 1.0, 1.0]), np.log([4.0, 3.0, 2.0]), np.log([0.5, 8, 8]))
    best = _minimise(objective, starts, [(-LOG_BOUND, LOG_BOUND)] * 3)
    p, q_minus_1, gamma = (float(v) for v in np.exp(best.x))
    # The scaled likelihood differs from the real one by -log(unit) per customer
    # (the density of m / unit versus m).
    ll = float(-best.fun * total - total * np.log(unit))
    return GammaGamma(p, 1 + q_minus_1, gamma * unit, ll)


def gamma_gamma_log_likelihood(p: float, q: float, gamma: float, n, m) -> np.ndarray:
    """Each customer's log-likelihood of their mean purchase value."""
    n = np.asarray(n, dtype=float)
    m = np.asarray(m, dtype=float)
    return _gamma_gamma_terms(p, q, gamma, n, m)[0]


def conditional_expected_value(model: GammaGamma, n, m) -> np.ndarray:
    """E[value per purchase | n purchases averaging m]: a weighted mean of the
    population mean p gamma / (q - 1) and the customer's own mean,

        (q - 1) / (p n + q - 1) * p gamma / (q - 1) + p n / (p n + q - 1) * m
        = p (gamma + n m) / (p n + q - 1)

    so the more purchases, the more the customer's own mean counts."""
    n = np.asarray(n, dtype=float)
    m = np.maximum(np.asarray(m, dtype=float), 0.0)
    p, q, gamma = model.p, model.q, model.gamma
    return p * (gamma + n * m) / (p * n + q - 1)
