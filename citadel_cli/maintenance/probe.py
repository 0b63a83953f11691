"""HTTP probes of the services (httpx imported inside, so the CLI's start-up stays fast)."""

from __future__ import annotations

import time
from enum import StrEnum

from pydantic import BaseModel


class Probe(StrEnum):
    ok = "ok"
    down = "down"  # nothing listens: stopped or crashed, not wedged
    timeout = "timeout"  # listens but does not answer: wedged
    error = "error"  # answers with an error status


class ProbeResult(BaseModel):
    outcome: Probe
    detail: str = ""
    latency_ms: float | None = None


def probe_health(base_url: str, timeout: float) -> ProbeResult:
    import httpx

    started = time.monotonic()
    try:
        response = httpx.get(f"{base_url}/health", timeout=timeout)
    except httpx.ConnectError as exc:
        return ProbeResult(outcome=Probe.down, detail=f"connection refused ({exc})")
    except httpx.TimeoutException:
        return ProbeResult(outcome=Probe.timeout, detail=f"no answer within {timeout:g} s")
    except httpx.HTTPError as exc:
        return ProbeResult(outcome=Probe.error, detail=f"{type(exc).__name__}: {exc}")
    latency = round((time.monotonic() - started) * 1000, 1)
    if response.status_code >= 400:
        return ProbeResult(outcome=Probe.error, detail=f"HTTP {response.status_code}", latency_ms=latency)
    return ProbeResult(outcome=Probe.ok, latency_ms=latency)


def fetch_text(url: str, timeout: float) -> str:
    """GET a text body; HostError when it cannot be read (metrics, version)."""
    import httpx

    from citadel_cli.errors import HostError

    try:
        response = httpx.get(url, timeout=timeout)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise HostError(f"cannot read {url}: {type(exc).__name__}: {exc}",
                        hint="is the gateway running? `citadel-llm status`") from None
    return response.text
