"""Per-backend circuit breaker: closed -> (N consecutive failures) -> open -> (after open_s) one
half-open probe -> closed on success, open again on failure.

Passive failure counting lives here: every proxied request reports its outcome, so a backend
that fails between two active health checks stops getting traffic after N failures.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum


class BreakerState(StrEnum):
    closed = "closed"
    open = "open"
    half_open = "half_open"


# Gauge values for the breaker-state metric.
STATE_VALUE = {BreakerState.closed: 0, BreakerState.half_open: 1, BreakerState.open: 2}


class CircuitBreaker:
    def __init__(self, failures: int, open_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.threshold = failures
        self.open_s = open_s
        self.clock = clock
        self.state = BreakerState.closed
        self.failures = 0
        self.opened_at = 0.0
        self.probe_in_flight = False

    def available(self) -> bool:
        """May a request be sent now? (Without taking the half-open probe slot.)"""
        if self.state is BreakerState.closed:
            return True
        if self.state is BreakerState.open:
            return self.clock() - self.opened_at >= self.open_s
        return not self.probe_in_flight

    def acquire(self) -> bool:
        """Take permission to send one request; in half-open only one probe goes at a time."""
        if self.state is BreakerState.closed:
            return True
        if not self.available():
            return False
        self.state = BreakerState.half_open
        self.probe_in_flight = True
        return True

    def success(self) -> None:
        self.failures = 0
        self.probe_in_flight = False
        self.state = BreakerState.closed

    def failure(self) -> None:
        self.failures += 1
        self.probe_in_flight = False
        if self.state is BreakerState.half_open or self.failures >= self.threshold:
            self.state = BreakerState.open
            self.opened_at = self.clock()

    def release(self) -> None:
        """The request ended with neither verdict (e.g. the client went away): free the probe slot."""
        self.probe_in_flight = False

    def retry_in(self) -> float:
        """Seconds until an open breaker lets a probe through (0 when it already would)."""
        if self.state is not BreakerState.open:
            return 0.0
        return max(0.0, self.open_s - (self.clock() - self.opened_at))
