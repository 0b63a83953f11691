"""Admission control: global and per-model concurrency caps (reject at once with 429, never
queue: a queue in front of a saturated model only turns overload into timeouts) and a token
bucket per API key (requests per minute, with a burst)."""

from __future__ import annotations

import time
from collections.abc import Callable


class Concurrency:
    """In-flight counters. `enter` returns False when a cap is reached; every True is paired
    with one `leave`."""

    def __init__(self, global_cap: int, per_model: dict[str, int]) -> None:
        self.global_cap = global_cap
        self.per_model_cap = dict(per_model)
        self.active = 0
        self.per_model: dict[str, int] = {}

    def enter(self, model: str) -> bool:
        if self.active >= self.global_cap:
            return False
        cap = self.per_model_cap.get(model)
        current = self.per_model.get(model, 0)
        if cap is not None and current >= cap:
            return False
        self.active += 1
        self.per_model[model] = current + 1
        return True

    def leave(self, model: str) -> None:
        self.active -= 1
        self.per_model[model] -= 1


class RateLimiter:
    """Token bucket per key: `rpm` tokens a minute, holding at most `burst` (at least 1)."""

    def __init__(self, rpm: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rpm / 60.0
        self.capacity = float(max(burst, 1))
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # key id -> (tokens, last refill time)

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def take(self, key: str) -> float:
        """0.0 when the request may go; else the seconds until a token is available."""
        now = self.clock()
        tokens, last = self.buckets.get(key, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens >= 1.0:
            self.buckets[key] = (tokens - 1.0, now)
            return 0.0
        self.buckets[key] = (tokens, now)
        return (1.0 - tokens) / self.rate
