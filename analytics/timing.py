"""Where a job's time goes: a stopwatch whose laps add up per phase.

Runners record ``{"read": s, "compute": s, "write": s}`` in their summary
(``timings``) so a slow run shows whether the database, the analytics or the
writes took the time (bench/bench_jobs.py reports the same split).
"""

import time


class Stopwatch:
    """``lap(phase)`` adds the time since the previous lap (or the start) to
    ``phase``; a phase may come back (compute, write, compute) and adds up."""

    def __init__(self) -> None:
        self._last = time.perf_counter()
        self._phases: dict[str, float] = {}

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self._phases[phase] = self._phases.get(phase, 0.0) + now - self._last
        self._last = now

    def seconds(self) -> dict[str, float]:
        """Seconds per phase, in the order the phases first came, to the ms."""
        return {phase: round(spent, 3) for phase, spent in self._phases.items()}
