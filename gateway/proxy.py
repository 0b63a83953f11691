"""The hot path: POST /v1/{chat/completions,completions,embeddings} as a raw ASGI app.

Per request it reads the body, parses it once with orjson to learn `model` and `stream`,
checks key, rate and concurrency, and hands the untouched bytes to `forward.py` (the body is
re-encoded only when an alias, the default or a fallback changes the model name the backend
must see). No pydantic, no Starlette request objects: each of those costs more than the
whole hop through a fast backend.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

import orjson

from gateway.errors import GatewayError
from gateway.forward import Exchange, forward
from gateway.state import GatewayState

ENDPOINTS = {"/v1/chat/completions": "chat", "/v1/completions": "completions", "/v1/embeddings": "embeddings"}
_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
_JSON_HEADERS = (b"content-type", b"application/json")


class Proxy:
    """ASGI app for the proxied endpoints; `state` is the app's shared GatewayState."""

    def __init__(self, state: GatewayState) -> None:
        self.state = state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        started = time.perf_counter()
        headers = _wanted_headers(scope["headers"])
        rid = headers.get(b"x-request-id")
        request_id = rid.decode() if rid and _REQUEST_ID.match(rid) else os.urandom(8).hex()
        ex = Exchange(scope["path"].encode(), ENDPOINTS[scope["path"]], request_id, send, receive)
        try:
            await self._handle(ex, headers, receive)
        except GatewayError as exc:
            ex.status = exc.status
            ex.error = exc.message
            await send_error(send, exc, request_id)
        finally:
            self._record(ex, scope, time.perf_counter() - started)

    async def _handle(self, ex: Exchange, headers: dict[bytes, bytes], receive: Any) -> None:
        state = self.state
        key_id = self._authenticate(headers)
        body = await read_body(receive, state.settings.max_body_bytes)
        request = parse_request(body)
        ex.model, ex.body = self._route(request, body)
        ex.stream = request.get("stream") is True
        if key_id is not None and state.rate.enabled:
            wait = state.rate.take(key_id)
            if wait:
                raise GatewayError(429, "rate limit of this API key exceeded", "rate_limit_exceeded",
                                   {"Retry-After": str(max(1, round(wait)))})
        if not state.concurrency.enter(ex.model):
            raise GatewayError(429, f"too many requests in flight for {ex.model}", "concurrency_limit",
                               {"Retry-After": "1"})
        state.metrics.active.inc()
        try:
            await forward(state, ex)
        finally:
            state.metrics.active.dec()
            state.concurrency.leave(ex.model)

    def _authenticate(self, headers: dict[bytes, bytes]) -> str | None:
        """The caller's key id (None when auth is off); 401 without a valid key."""
        auth = self.state.auth
        if not self.state.settings.auth:
            return None
        from gateway.auth import key_from_headers

        key = key_from_headers(headers.get(b"authorization"), headers.get(b"x-api-key"))
        key_id = auth.verify(key) if key else None
        if key_id is None:
            raise GatewayError(401, "missing or invalid API key" if key else "missing API key: send "
                               "'Authorization: Bearer <key>' or 'X-API-Key: <key>'", "invalid_api_key")
        return key_id

    def _route(self, request: dict[str, Any], body: bytes) -> tuple[str, bytes]:
        """The model key for this request, and the body the backend gets (rewritten only when the
        backend must see another model name than the client sent)."""
        name = request.get("model")
        if name is not None and not isinstance(name, str):
            raise GatewayError(400, "'model' must be a string", "invalid_type", param="model")
        model = self.state.router.resolve(name)
        if model is None:
            raise GatewayError(404, f"the model {name!r} does not exist" if name else "no model given and no "
                               "default model configured", "model_not_found", param="model")
        if name != model:
            body = rewrite_model(request, model)
        return model, body

    def _record(self, ex: Exchange, scope: dict[str, Any], elapsed: float) -> None:
        self.state.metrics.observe(ex.model or "unknown", ex.endpoint, ex.status, elapsed)
        if ex.tokens:
            self.state.metrics.add_tokens(ex.model, ex.tokens)
        access = self.state.access
        if access.wanted():
            client = scope.get("client")
            line = {"request_id": ex.request_id, "method": "POST", "path": scope["path"],
                    "model": ex.model, "status": ex.status, "duration_ms": round(elapsed * 1000, 2),
                    "stream": ex.stream, "backend": ex.backend_url, "attempts": ex.attempts,
                    "client": client[0] if client else None}
            if ex.ttfb is not None:
                line["ttfb_ms"] = round(ex.ttfb * 1000, 2)
            if ex.error:
                line["error"] = ex.error
            access.write(line)


def _wanted_headers(raw: list[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    # uvicorn hands header names lowercased; only these four matter to the gateway.
    return {k: v for k, v in raw if k in (b"authorization", b"x-api-key", b"x-request-id", b"content-type")}


async def read_body(receive: Any, limit: int) -> bytes:
    message = await receive()
    body = message.get("body", b"")
    while message.get("more_body"):
        message = await receive()
        body += message.get("body", b"")
        if len(body) > limit:
            break
    if len(body) > limit:
        raise GatewayError(413, f"request body larger than {limit} bytes", "request_too_large")
    return body


def parse_request(body: bytes) -> dict[str, Any]:
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise GatewayError(400, f"request body is not valid JSON: {exc}", "invalid_json") from None
    if not isinstance(request, dict):
        raise GatewayError(400, "request body must be a JSON object", "invalid_json")
    return request


def rewrite_model(request: dict[str, Any], model: str) -> bytes:
    return orjson.dumps({**request, "model": model})


async def send_error(send: Any, exc: GatewayError, request_id: str) -> None:
    body = exc.body()
    headers = [_JSON_HEADERS, (b"content-length", str(len(body)).encode()), (b"x-request-id", request_id.encode())]
    headers += [(k.lower().encode(), v.encode()) for k, v in exc.headers.items()]
    await send({"type": "http.response.start", "status": exc.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
