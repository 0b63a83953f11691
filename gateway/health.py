"""Active health checks: GET /health of every backend every `health_interval_s`, all at once.

A failed check takes a backend out of rotation until a check passes again; the breaker (fed
by real requests) is the faster, passive half of the same job.
"""

from __future__ import annotations

import asyncio
import logging
import time

from gateway.routing import Backend
from gateway.state import GatewayState
from gateway.upstream import UpstreamError

log = logging.getLogger("gateway.health")
_USAGE_FLUSH_S = 60.0


async def check_backend(state: GatewayState, backend: Backend) -> bool:
    started = time.perf_counter()
    try:
        status, _ = await state.client.get(backend.url, "/health", state.settings.health_timeout_s)
    except UpstreamError as exc:
        ok, error = False, str(exc)
    else:
        ok, error = status == 200, None if status == 200 else f"health check answered HTTP {status}"
    backend.latency_s = time.perf_counter() - started
    if ok != backend.healthy:
        log.warning("backend %s of %s is now %s%s", backend.url, backend.model, "healthy" if ok else "unhealthy",
                    f": {error}" if error else "")
    backend.healthy = ok
    if error:
        backend.last_error = error
    return ok


async def check_all(state: GatewayState) -> None:
    await asyncio.gather(*(check_backend(state, b) for b in state.router.backends()))


async def health_loop(state: GatewayState) -> None:
    """Runs for the life of the app; also flushes API-key usage times now and then."""
    last_flush = time.monotonic()
    while True:
        await check_all(state)
        if time.monotonic() - last_flush > _USAGE_FLUSH_S:
            last_flush = time.monotonic()
            await asyncio.to_thread(state.auth.flush_usage)
        await asyncio.sleep(state.settings.health_interval_s)
