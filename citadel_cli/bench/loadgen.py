"""The asyncio load generator: a fixed number of requests in flight (closed loop) or Poisson
arrivals at a fixed rate (open loop, capped at a number in flight, as `vllm bench serve` does).

A level ends after `requests` requests or once `duration_s` has passed (then in-flight requests
are allowed to finish), whichever comes first.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from citadel_cli.bench.clients import CLIENTS, Record

OnRecord = Callable[[Record], None]


@dataclass(frozen=True)
class Load:
    concurrency: int
    rate: float | None = None  # requests/s; None = closed loop
    requests: int | None = None
    duration_s: float | None = None


@dataclass
class LevelRun:
    records: list[Record]
    wall_s: float


@dataclass(frozen=True)
class Target:
    url: str  # full endpoint, e.g. http://127.0.0.1:8000/v1/chat/completions
    headers: dict[str, str]
    stream: bool
    timeout_s: float = 600.0
    client: str = "aiohttp"


class _Budget:
    """Shared by the workers of one level: hands out request slots until the count or time is spent."""

    def __init__(self, load: Load) -> None:
        self.left = load.requests if load.requests is not None else 1 << 62
        self.deadline = time.perf_counter() + load.duration_s if load.duration_s else float("inf")

    def take(self) -> bool:
        if self.left <= 0 or time.perf_counter() >= self.deadline:
            return False
        self.left -= 1
        return True


async def run_level(target: Target, bodies: Sequence[bytes], load: Load,
                    on_record: OnRecord | None = None, seed: int = 0) -> LevelRun:
    """Run one load level with a fresh connection pool and return every request's record."""
    client = CLIENTS[target.client](target.headers, load.concurrency, target.timeout_s)
    records: list[Record] = []
    cycle = itertools.cycle(bodies)

    async def one() -> None:
        rec = Record(start=time.perf_counter())
        await client.post(target.url, next(cycle), target.stream, rec)
        records.append(rec)
        if on_record is not None:
            on_record(rec)

    started = time.perf_counter()
    try:
        if load.rate is None:
            await _closed_loop(one, load)
        else:
            await _open_loop(one, load, random.Random(seed))
    finally:
        await client.close()
    return LevelRun(records, time.perf_counter() - started)


async def _closed_loop(one: Callable, load: Load) -> None:
    budget = _Budget(load)

    async def worker() -> None:
        while budget.take():
            await one()

    await asyncio.gather(*(worker() for _ in range(load.concurrency)))


async def _open_loop(one: Callable, load: Load, rng: random.Random) -> None:
    budget = _Budget(load)
    in_flight = asyncio.Semaphore(load.concurrency)
    tasks: set[asyncio.Task] = set()
    started = time.perf_counter()

    async def guarded() -> None:
        try:
            await one()
        finally:
            in_flight.release()

    for offset in _arrivals(load, rng):
        await asyncio.sleep(max(0.0, started + offset - time.perf_counter()))
        if not budget.take():
            break
        await in_flight.acquire()  # over the cap, arrivals queue on the client, as in vllm bench
        task = asyncio.create_task(guarded())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)


def _arrivals(load: Load, rng: random.Random) -> Iterator[float]:
    """Seconds from the start at which requests arrive: a Poisson process (exponential gaps).

    With a request count the timeline is scaled so the last arrival is at count / rate, as
    `vllm bench serve` does: the offered rate is then exactly the one asked for, where the sum of
    N random gaps would miss it by ~1/sqrt(N) (6 % at 300 requests) and move req/s with it."""
    if load.requests is None:
        at = 0.0
        while True:
            at += rng.expovariate(load.rate)
            yield at
    times = list(itertools.accumulate(rng.expovariate(load.rate) for _ in range(load.requests)))
    scale = load.requests / load.rate / times[-1]
    yield from (at * scale for at in times)


def run_async(coro):  # noqa: ANN001, ANN201 - any coroutine, its result
    """Run `coro` on uvloop when installed: the client's own overhead matters on 2 shared cores."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)
