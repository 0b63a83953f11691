"""The OpenAI routes. /v1/models is an ordinary route; the three proxied POST routes are served
by `proxy.Proxy` (raw ASGI, see app.py) and declared here so they appear in the OpenAPI schema
and work the same when the fast path is bypassed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from gateway.auth import key_from_headers
from gateway.errors import GatewayError
from gateway.routes_status import gateway_state

_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["message", "type"],
    # vLLM sends an integer code, OpenAI a string: both are passed through.
    "properties": {"message": {"type": "string"}, "type": {"type": "string"},
                   "param": {"type": ["string", "null"]}, "code": {"type": ["string", "integer", "null"]}}}}}
_MESSAGE = {"type": "object", "required": ["role", "content"], "properties": {
    "role": {"type": "string", "enum": ["system", "user", "assistant"]}, "content": {"type": "string"}}}
_COMMON = {"model": {"type": "string"}, "max_tokens": {"type": "integer", "minimum": 1, "maximum": 64},
           "temperature": {"type": "number", "minimum": 0, "maximum": 2}, "stream": {"type": "boolean"}}
_BODIES = {
    "chat": {"type": "object", "required": ["model", "messages"],
             "properties": {**_COMMON, "messages": {"type": "array", "minItems": 1, "maxItems": 4, "items": _MESSAGE}}},
    "completions": {"type": "object", "required": ["model", "prompt"],
                    "properties": {**_COMMON, "prompt": {"type": "string"}}},
    "embeddings": {"type": "object", "required": ["model", "input"],
                   "properties": {"model": {"type": "string"}, "input": {"type": "string"}}},
}


def require_key(request: Request) -> None:
    state = gateway_state(request)
    if not state.settings.auth:
        return
    key = key_from_headers(request.headers.get("authorization", "").encode("latin-1") or None,
                           request.headers.get("x-api-key", "").encode("latin-1") or None)
    if not key or state.auth.verify(key) is None:
        raise GatewayError(401, "missing or invalid API key", "invalid_api_key")


router = APIRouter(tags=["openai"])


@router.get("/v1/models", dependencies=[Depends(require_key)],
            summary="Models that have a healthy backend, and their aliases.")
async def list_models(request: Request) -> dict[str, Any]:
    names = gateway_state(request).router.visible_models()
    data = [{"id": name, "object": "model", "created": 0, "owned_by": "citadel", "root": key}
            for name, key in names]
    return {"object": "list", "data": data}


def _openapi(kind: str, stream: bool) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"schema": {"type": "object"}}}
    if stream:
        # Schemathesis (and OpenAPI 3.2) read this as the schema of one server-sent event.
        content["text/event-stream"] = {"schema": {"type": "object", "properties": {
            "data": {"type": "string"}, "event": {"type": "string"}}}}
    errors = {str(code): {"description": text, "content": {"application/json": {"schema": _ERROR}}}
              for code, text in ((400, "Malformed request."), (401, "Missing or invalid API key."),
                                 (404, "Unknown model."), (413, "Body too large."),
                                 (429, "Concurrency or rate limit reached."), (502, "Backend failed."),
                                 (503, "No healthy backend."), (504, "Backend timed out."))}
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": _BODIES[kind]}}},
        "responses": {"200": {"description": "The backend's answer.", "content": content}, **errors},
    }


class _Delegate(Response):
    """Hands the untouched request to the proxy (the body has not been read)."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.background = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.request.app.state.proxy(scope, receive, send)


def _proxy_route(path: str, kind: str, stream: bool) -> None:
    async def endpoint(request: Request) -> Response:
        return _Delegate(request)

    router.add_api_route(path, endpoint, methods=["POST"], openapi_extra=_openapi(kind, stream),
                         response_class=Response, name=kind, summary=f"Proxied to the model's backend ({kind}).")


_proxy_route("/v1/chat/completions", "chat", True)
_proxy_route("/v1/completions", "completions", True)
_proxy_route("/v1/embeddings", "embeddings", False)
