"""Waiting in tests: poll a condition until it holds or a deadline passes (never a fixed sleep)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll(predicate: Callable[[], T], deadline_s: float = 30.0, what: str = "condition",
         interval_s: float = 0.05) -> T:
    """The first truthy value of `predicate()`; AssertionError naming `what` at the deadline."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)  # the poll interval, inside the deadline
    raise AssertionError(f"{what} not met within {deadline_s:g} s")
