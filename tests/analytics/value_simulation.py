"""Customers simulated from known BG/NBD and Gamma-Gamma parameters (numpy, a fixed
seed), for the value model's tests: recovery of the parameters and the holdout
check where the truth is known."""

from dataclasses import dataclass

import numpy as np


@dataclass
class Population:
    """Per customer: the birth (first purchase, weeks from the start), the purchase
    times (weeks from the start, the first included) and values, and the true
    per-customer rate, dropout probability and mean value."""

    birth: np.ndarray
    times: list[np.ndarray]
    values: list[np.ndarray]
    rate: np.ndarray
    dropout: np.ndarray
    mean_value: np.ndarray


def simulate(
    *,
    customers: int,
    weeks: float,
    bgnbd: tuple[float, float, float, float],
    gamma_gamma: tuple[float, float, float],
    seed: int,
    births: float = 0.0,
) -> Population:
    """Purchases from week ``birth`` (uniform over [0, ``births``)) to ``weeks``.

    BG/NBD: lambda ~ Gamma(r, scale 1/alpha), p ~ Beta(a, b); the first purchase at
    birth; then purchases at Poisson(lambda) times, the customer dropping out right
    after each repeat purchase with probability p. Gamma-Gamma: nu ~ Gamma(q, scale
    1/gamma); each purchase's value ~ Gamma(p, scale 1/nu)."""
    r, alpha, a, b = bgnbd
    p_shape, q, gamma = gamma_gamma
    rng = np.random.default_rng(seed)
    rate = rng.gamma(r, 1 / alpha, customers)
    dropout = rng.beta(a, b, customers)
    nu = rng.gamma(q, 1 / gamma, customers)
    birth = rng.uniform(0, births, customers) if births else np.zeros(customers)
    # Purchase index by purchase index, all customers at once.
    now = birth.copy()
    alive = np.ones(customers, dtype=bool)
    steps = [birth.copy()]
    while alive.any():
        now = now + rng.exponential(1.0, customers) / rate
        alive &= now <= weeks
        steps.append(np.where(alive, now, np.nan))
        alive &= rng.random(customers) >= dropout
    grid = np.column_stack(steps)
    counts = np.sum(~np.isnan(grid), axis=1)
    times = [grid[i, : counts[i]] for i in range(customers)]
    values = [rng.gamma(p_shape, 1 / nu[i], counts[i]) for i in range(customers)]
    return Population(birth, times, values, rate, dropout, p_shape / nu)


def summary(population: Population, *, end: float) -> dict[str, np.ndarray]:
    """Per customer born by ``end``, from the purchases up to ``end``: the index,
    x (repeat purchases), t_x and T (weeks since the first purchase), n purchases,
    their mean value and total spend."""
    keep = np.flatnonzero(population.birth <= end)
    columns = {"index": keep}
    rows = []
    for i in keep:
        seen = population.times[i] <= end
        times = population.times[i][seen]
        values = population.values[i][seen]
        rows.append(
            (
                len(times) - 1,
                times[-1] - times[0],
                end - times[0],
                len(times),
                values.mean(),
                values.sum(),
            )
        )
    names = ("x", "t_x", "T", "n", "mean_value", "spend")
    for name, column in zip(names, np.array(rows).T, strict=True):
        columns[name] = column
    return columns


def window_spend(population: Population, *, start: float, end: float) -> np.ndarray:
    """Each customer's spend on purchases in (start, end]."""
    return np.array(
        [
            values[(times > start) & (times <= end)].sum()
            for times, values in zip(population.times, population.values, strict=True)
        ]
    )
