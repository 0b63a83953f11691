"""Is a model server ready? /health 200 *and* one tiny real completion.

Measured with vLLM on CPU: a server can answer /health 200 and then die on its first request
(e.g. an unsupported head size), so /health alone lies. lifecycle, deploy and diagnose call these.
"""

from __future__ import annotations

import time

from pydantic import BaseModel

POLL_INTERVAL_S = 0.5
PROBE_PROMPT = "Hello"


class ProbeResult(BaseModel):
    ok: bool
    status: int | None = None  # HTTP status, None when no answer came
    ms: float | None = None  # time to the one-token answer
    error: str | None = None


class ReadyResult(BaseModel):
    base_url: str
    model: str
    ready: bool
    seconds: float  # from the first poll to ready (or to the deadline)
    first_token_ms: float | None = None  # latency of the probe completion that proved it
    error: str | None = None  # the last thing that was wrong, when not ready


def probe_health(base_url: str, timeout: float = 5.0) -> ProbeResult:
    import httpx

    start = time.monotonic()
    try:
        response = httpx.get(f"{base_url}/health", timeout=timeout)
    except httpx.HTTPError as exc:
        return ProbeResult(ok=False, error=f"/health: {_describe(exc)}")
    ms = (time.monotonic() - start) * 1000
    ok = response.status_code == 200
    return ProbeResult(ok=ok, status=response.status_code, ms=ms,
                       error=None if ok else f"/health answered {response.status_code}")


def probe_completion(base_url: str, model: str, timeout: float = 30.0) -> ProbeResult:
    """One completion of one token: proves the engine can actually generate."""
    import httpx

    body = {"model": model, "prompt": PROBE_PROMPT, "max_tokens": 1, "temperature": 0}
    start = time.monotonic()
    try:
        response = httpx.post(f"{base_url}/v1/completions", json=body, timeout=timeout)
    except httpx.HTTPError as exc:
        return ProbeResult(ok=False, error=f"completion: {_describe(exc)}")
    ms = (time.monotonic() - start) * 1000
    if response.status_code != 200:
        return ProbeResult(ok=False, status=response.status_code, ms=ms,
                           error=f"completion answered {response.status_code}: {response.text[:200]}")
    try:
        choices = response.json()["choices"]
    except (ValueError, KeyError, TypeError):
        return ProbeResult(ok=False, status=200, ms=ms, error="completion answer is not an OpenAI completion")
    if not choices:
        return ProbeResult(ok=False, status=200, ms=ms, error="completion answer has no choices")
    return ProbeResult(ok=True, status=200, ms=ms)


def wait_ready(base_url: str, model: str, deadline_s: float, probe_timeout_s: float = 30.0) -> ReadyResult:
    """Poll until /health is 200 and a completion succeeds, or `deadline_s` seconds have passed."""
    base_url = base_url.rstrip("/")
    start = time.monotonic()
    deadline = start + deadline_s
    error = "no answer yet"
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return ReadyResult(base_url=base_url, model=model, ready=False,
                               seconds=round(time.monotonic() - start, 2), error=error)
        probe = probe_health(base_url, timeout=min(5.0, left))
        if probe.ok:
            probe = probe_completion(base_url, model, timeout=max(0.1, min(probe_timeout_s, left)))
        if probe.ok:
            return ReadyResult(base_url=base_url, model=model, ready=True,
                               seconds=round(time.monotonic() - start, 2), first_token_ms=round(probe.ms or 0, 1))
        error = probe.error or error
        time.sleep(min(POLL_INTERVAL_S, max(0.0, deadline - time.monotonic())))


def _describe(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0]
