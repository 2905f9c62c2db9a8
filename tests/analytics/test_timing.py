"""The stopwatch runners use to record where a job's time went."""

from analytics import timing
from analytics.timing import Stopwatch


def test_laps_add_up_per_phase_in_first_seen_order(monkeypatch):
    ticks = iter([10.0, 11.5, 14.0, 14.25, 15.0])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(ticks))
    clock = Stopwatch()  # 10.0
    clock.lap("read")  # 1.5
    clock.lap("compute")  # 2.5
    clock.lap("write")  # 0.25
    clock.lap("compute")  # 0.75 more
    assert clock.seconds() == {"read": 1.5, "compute": 3.25, "write": 0.25}
    assert list(clock.seconds()) == ["read", "compute", "write"]
