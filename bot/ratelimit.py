"""A per-channel rate limit over an injected clock: evenly spaced sends, and never more than the limit in any
one-second window.

Two rules, both in whole microseconds (the resolution of a datetime, and so of the injected clock):

- Spacing (a token bucket of one token, in its GCRA form): send k is due at the schedule's slot
  t0 + k / rate, the interval rounded up to a microsecond. A send that starts a little late (a sleep that
  overslept, a slow database write) keeps the schedule, so the next one may catch up: a backlog drains at the
  limit, not at the limit less the scheduler's lateness. A send later than a whole interval (the channel was
  idle) starts a new schedule: no burst after a quiet spell.
- The window: a send is held until the send `floor(rate)` sends before it is at least one second (plus a
  small `margin`) old. No half-open second [t, t + 1 s) can then hold more than floor(rate) sends, whatever
  the lateness (the catching up above never breaks the limit). The margin (2 ms by default) covers what lies
  between the limiter's clock reading and the provider's: the microseconds before the request leaves, and a
  wall clock that NTP slews against the provider's. A rate below 1/s sends at most one per second and is
  spaced by 1/rate.

The clock gives aware datetimes; `sleep` is awaited with seconds (asyncio.sleep in production, a function
that advances a fake clock in tests). Waiters are served one at a time in arrival order.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

Clock = Callable[[], datetime]
Sleep = Callable[[float], Awaitable[object]]

WINDOW = timedelta(seconds=1)
MARGIN = timedelta(milliseconds=2)


class RateLimiter:
    """At most `rate` sends per second (a positive finite number), measured on `clock`."""

    def __init__(self, rate: float, clock: Clock, sleep: Sleep = asyncio.sleep, *,
                 margin: timedelta = MARGIN) -> None:
        if not rate > 0 or math.isinf(rate):
            raise ValueError(f"rate must be a positive number of messages per second, not {rate!r}")
        self.rate = rate
        self.interval = timedelta(microseconds=math.ceil(1_000_000 / rate))
        self.per_window = max(1, math.floor(rate))
        self.window = WINDOW + margin
        self._clock = clock
        self._sleep = sleep
        self._slot: datetime | None = None  # when the next send is due on the schedule
        self._recent: deque[datetime] = deque(maxlen=self.per_window)  # the last sends
        self._lock = asyncio.Lock()

    def try_acquire(self) -> timedelta:
        """Take the next send now and return zero, or take nothing and return how long to wait."""
        now = self._clock()
        if self._slot is None or now - self._slot >= self.interval:
            self._slot = now  # idle (or the first send): a new schedule starts now
        wait = self._slot - now
        if len(self._recent) == self.per_window:
            wait = max(wait, self._recent[0] + self.window - now)
        if wait > timedelta(0):
            return wait
        self._recent.append(now)
        self._slot += self.interval
        return timedelta(0)

    async def acquire(self) -> None:
        """Wait (through the injected sleep) until a send is allowed, then take it."""
        async with self._lock:
            while True:
                wait = self.try_acquire()
                if not wait:
                    return
                await self._sleep(wait.total_seconds())


class Unlimited:
    """The limiter of a channel without a limit (the console)."""

    rate = math.inf

    def try_acquire(self) -> timedelta:
        return timedelta(0)

    async def acquire(self) -> None:
        return None
