"""One request's trip to a backend: choose, send, retry while nothing reached the client, fall
back to another model when every backend of this one is down, then relay the answer.

Streams are relayed chunk by chunk as the backend's bytes arrive (no re-framing of SSE
events, so the client sees the backend's bytes exactly). If the backend dies mid-stream the
client gets one SSE error event and no `data: [DONE]`, so it cannot mistake a cut answer
for a complete one.
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from gateway.errors import GatewayError, sse_error_event
from gateway.routing import Backend
from gateway.state import GatewayState
from gateway.upstream import Response, UpstreamError, UpstreamTimeout

_RETRY_STATUS = (502, 503)
_SSE = b"text/event-stream"


class Exchange:
    """What the proxy knows about one request, filled in as it goes (read by the access log)."""

    __slots__ = ("path", "endpoint", "request_id", "send", "receive", "model", "body", "stream", "status",
                 "backend_url", "attempts", "ttfb", "tokens", "error", "started")

    def __init__(self, path: bytes, endpoint: str, request_id: str, send: Any, receive: Any) -> None:
        self.path, self.endpoint, self.request_id = path, endpoint, request_id
        self.send, self.receive = send, receive
        self.model = ""
        self.body = b""
        self.stream = False
        self.status = 500
        self.backend_url: str | None = None
        self.attempts = 0
        self.ttfb: float | None = None
        self.tokens = 0
        self.error: str | None = None
        self.started = time.perf_counter()


async def forward(state: GatewayState, ex: Exchange) -> None:
    response, backend = await _send_with_retries(state, ex)
    ex.backend_url = backend.url
    backend.requests += 1
    try:
        if ex.stream and response.status == 200 and (response.header(b"content-type") or b"").startswith(_SSE):
            await _relay_stream(state, ex, response, backend)
        else:
            await _relay_whole(ex, response, backend)
    finally:
        backend.outstanding -= 1
        response.close()


async def _send_with_retries(state: GatewayState, ex: Exchange) -> tuple[Response, Backend]:
    """A response (status and headers in) from some backend; GatewayError when none answers."""
    settings = state.settings
    headers = b"Content-Type: application/json\r\nX-Request-ID: %s\r\n" % ex.request_id.encode()
    tried: list[Backend] = []
    visited = [ex.model]
    last_error: GatewayError | None = None
    while True:
        backend = _choose(state, ex, tried, visited)
        if backend is None:
            raise last_error or _unavailable(ex.model)
        ex.attempts += 1
        backend.outstanding += 1
        try:
            response = await state.client.request(backend.url, b"POST", ex.path, headers, ex.body)
        except UpstreamError as exc:
            backend.outstanding -= 1
            _failed(state, backend, ex.model, exc)
            last_error = GatewayError(504 if isinstance(exc, UpstreamTimeout) else 502,
                                      f"backend of {ex.model} failed: {exc}", "upstream_error")
        else:
            if response.status not in _RETRY_STATUS:
                return response, backend
            if ex.attempts > settings.retries:
                return response, backend  # out of retries: the client sees the backend's answer
            backend.outstanding -= 1
            response.close()  # the unread body closes the connection rather than reading it
            _failed(state, backend, ex.model, UpstreamError(f"HTTP {response.status}", True))
            last_error = GatewayError(502, f"backend of {ex.model} answered {response.status}", "upstream_error")
        tried.append(backend)
        if ex.attempts > settings.retries:
            raise last_error
        state.metrics.retries.labels(ex.model).inc()
        await asyncio.sleep(_backoff(settings.backoff_base_s, ex.attempts))


def _choose(state: GatewayState, ex: Exchange, tried: list[Backend], visited: list[str]) -> Backend | None:
    """An untried routable backend of the current model; when there is none, the fallback
    model's (the body is rewritten for it); then an already tried one; else None."""
    router = state.router
    while True:
        pool = router.pools[ex.model]
        backend = pool.pick(tried)
        if backend is not None and backend not in tried and backend.breaker.acquire():
            return backend
        target = router.fallback(ex.model)
        if target is None or target in visited:
            break
        from gateway.proxy import parse_request, rewrite_model

        visited.append(target)
        ex.model, ex.body = target, rewrite_model(parse_request(ex.body), target)
    if backend is not None and backend.breaker.acquire():
        return backend
    return None


def _unavailable(model: str) -> GatewayError:
    return GatewayError(503, f"no healthy backend for model {model!r}", "model_unavailable", {"Retry-After": "5"})


def _backoff(base: float, attempt: int) -> float:
    # Exponential with full jitter: retries of many clients after one failure must not align.
    return random.uniform(0, base * (2 ** (attempt - 1)))


def _failed(state: GatewayState, backend: Backend, model: str, exc: Exception) -> None:
    backend.failures += 1
    backend.last_error = str(exc)
    backend.breaker.failure()
    kind = "timeout" if isinstance(exc, UpstreamTimeout) else "error"
    state.metrics.upstream_errors.labels(model, kind).inc()


def _count_tokens(body: bytes) -> int:
    """total_tokens of the usage object in a backend's JSON, found without parsing it all."""
    at = body.rfind(b'"total_tokens":')
    if at < 0:
        return 0
    digits = body[at + 15:at + 32].lstrip(b" ")
    end = 0
    while end < len(digits) and 48 <= digits[end] <= 57:
        end += 1
    return int(digits[:end]) if end else 0


async def _relay_whole(ex: Exchange, response: Response, backend: Backend) -> None:
    try:
        body = await response.read()
    except UpstreamError as exc:
        backend.breaker.failure()
        backend.last_error = str(exc)
        raise GatewayError(504 if isinstance(exc, UpstreamTimeout) else 502,
                           f"backend of {ex.model} broke the response: {exc}", "upstream_error") from None
    _verdict(backend, response.status)
    ex.status = response.status
    ex.tokens = _count_tokens(body) if response.status == 200 else 0
    headers = [(b"content-type", response.header(b"content-type") or b"application/json"),
               (b"content-length", b"%d" % len(body)), (b"x-request-id", ex.request_id.encode())]
    await ex.send({"type": "http.response.start", "status": response.status, "headers": headers})
    await ex.send({"type": "http.response.body", "body": body})


def _verdict(backend: Backend, status: int) -> None:
    if status >= 500:
        backend.failures += 1
        backend.last_error = f"HTTP {status}"
        backend.breaker.failure()
    else:
        backend.breaker.success()


async def _relay_stream(state: GatewayState, ex: Exchange, response: Response, backend: Backend) -> None:
    send = ex.send
    ex.status = 200
    headers = [(b"content-type", response.header(b"content-type") or _SSE), (b"cache-control", b"no-cache"),
               (b"x-accel-buffering", b"no"), (b"x-request-id", ex.request_id.encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    # uvicorn drops writes to a client that went away without telling the app; watch for the
    # disconnect so the backend stops generating for nobody.
    gone = asyncio.ensure_future(ex.receive())
    events = 0
    last = b""
    try:
        while (chunk := await response.next_chunk()) is not None:
            if ex.ttfb is None:
                ex.ttfb = time.perf_counter() - ex.started
                state.metrics.ttft.labels(ex.model).observe(ex.ttfb)
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            events += chunk.count(b"data: ")
            last = chunk
            if gone.done():
                ex.error = "client disconnected"
                backend.breaker.release()
                return
    except UpstreamError as exc:
        backend.breaker.failure()
        backend.failures += 1
        backend.last_error = f"stream broken: {exc}"
        ex.error = backend.last_error
        ex.status = 502  # recorded as a failed request; the client already has its 200
        await send({"type": "http.response.body", "body": sse_error_event(f"backend failed mid-stream: {exc}"),
                    "more_body": False})
        return
    finally:
        gone.cancel()
    backend.breaker.success()
    ex.tokens = _count_tokens(last) or max(0, events - 2)  # usage chunk, else ~one token per event
    await send({"type": "http.response.body", "body": b"", "more_body": False})
