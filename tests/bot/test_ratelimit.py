"""The rate limiter over a fake clock: a backlog drains at the limit and no one-second window holds more."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.ratelimit import RateLimiter, Unlimited

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class FakeClock:
    """Sleeping advances the clock, by the time asked plus an optional oversleep (a busy event loop)."""

    def __init__(self, oversleep: float = 0.0, seed: int = 1) -> None:
        self.now = START
        self.oversleep = oversleep
        self.rng = random.Random(seed)

    def __call__(self) -> datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        extra = self.rng.uniform(0, self.oversleep) if self.oversleep else 0.0
        self.now += timedelta(seconds=seconds + extra)


async def drain(limiter: RateLimiter, clock: FakeClock, sends: int, work: float = 0.0) -> list[float]:
    """Acquire `sends` times back to back (a backlog); `work` seconds pass after each send (the database).
    Returns the send times in seconds from the start."""
    times = []
    for _ in range(sends):
        await limiter.acquire()
        times.append((clock.now - START) / timedelta(microseconds=1) / 1e6)
        clock.now += timedelta(seconds=work)
    return times


def busiest_window(times: list[float]) -> int:
    """The most sends in any half-open one-second window [t, t + 1) (the busiest one starts at a send), counted
    in whole microseconds, the clock's own resolution (floats would blur the window's edge)."""
    micros = [round(t * 1e6) for t in times]
    return max(sum(start <= t < start + 1_000_000 for t in micros) for start in micros)


@pytest.mark.parametrize("rate", [1.0, 3.0, 10.0, 50.0])
async def test_a_backlog_drains_exactly_at_the_limit(rate: float) -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate, clock, clock.sleep, margin=timedelta(0))
    times = await drain(limiter, clock, int(rate * 10))
    interval = limiter.interval.total_seconds()
    assert times == pytest.approx([i * interval for i in range(len(times))], abs=1e-6)
    assert busiest_window(times) == int(rate)
    assert (len(times) - 1) / times[-1] == pytest.approx(rate, rel=1e-5)


@pytest.mark.parametrize("rate", [1.0, 10.0, 50.0])
async def test_with_the_default_margin_a_window_edge_costs_two_milliseconds_a_second(rate: float) -> None:
    clock = FakeClock()
    limiter = RateLimiter(rate, clock, clock.sleep)
    times = await drain(limiter, clock, int(rate * 10))
    # Each send a second after another waits the 2 ms margin; the schedule does not drift further.
    interval = limiter.interval.total_seconds()
    for i, t in enumerate(times):
        assert i * interval - 1e-9 <= t <= i * interval + 0.002 * (i // int(rate)) + 1e-9
    assert busiest_window(times) == int(rate)
    assert (len(times) - 1) / times[-1] >= 0.995 * rate


@pytest.mark.parametrize(("rate", "oversleep", "work"), [
    (10.0, 0.003, 0.0), (50.0, 0.005, 0.002), (50.0, 0.019, 0.0), (10.0, 0.0, 0.09), (7.0, 0.01, 0.05),
])
async def test_late_wakeups_never_push_a_window_over_the_limit_and_the_rate_holds(rate: float, oversleep: float,
                                                                                 work: float) -> None:
    clock = FakeClock(oversleep=oversleep, seed=int(rate * 1000 + oversleep * 1e6))
    limiter = RateLimiter(rate, clock, clock.sleep)
    times = await drain(limiter, clock, 500, work=work)
    assert busiest_window(times) <= rate
    achieved = (len(times) - 1) / (times[-1] - times[0])
    assert 0.95 * rate <= achieved <= rate * (1 + 1e-9)


async def test_after_an_idle_spell_there_is_no_burst() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10.0, clock, clock.sleep)
    await drain(limiter, clock, 5)
    clock.now += timedelta(minutes=10)
    idle_over = clock.now
    times = await drain(limiter, clock, 3)
    assert [t - (idle_over - START).total_seconds() for t in times] == pytest.approx([0.0, 0.1, 0.2])


async def test_a_fractional_rate_never_rounds_up_in_a_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(2.5, clock, clock.sleep)
    times = await drain(limiter, clock, 20)
    assert busiest_window(times) == 2


async def test_a_rate_below_one_per_second_spaces_the_sends() -> None:
    clock = FakeClock()
    limiter = RateLimiter(0.5, clock, clock.sleep)
    assert await drain(limiter, clock, 3) == [0.0, 2.0, 4.0]


def test_the_interval_is_rounded_up_to_a_microsecond() -> None:
    assert RateLimiter(3.0, FakeClock()).interval == timedelta(microseconds=333_334)


def test_try_acquire_says_how_long_to_wait() -> None:
    clock = FakeClock()
    limiter = RateLimiter(4.0, clock)
    assert limiter.try_acquire() == timedelta(0)
    assert limiter.try_acquire() == timedelta(milliseconds=250)
    clock.now += timedelta(milliseconds=250)
    assert limiter.try_acquire() == timedelta(0)


@pytest.mark.parametrize("rate", [0.0, -1.0, float("inf"), float("nan")])
def test_a_rate_must_be_positive_and_finite(rate: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(rate, FakeClock())


async def test_unlimited_never_waits() -> None:
    limiter = Unlimited()
    for _ in range(1000):
        await limiter.acquire()
    assert limiter.try_acquire() == timedelta(0)
