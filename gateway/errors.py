"""Errors in the OpenAI format, and the one place that turns exceptions into responses."""

from __future__ import annotations

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException

_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
          404: "not_found_error", 405: "invalid_request_error", 413: "invalid_request_error",
          429: "rate_limit_error", 502: "api_error", 503: "service_unavailable", 504: "timeout_error"}


class GatewayError(Exception):
    """A request the gateway answers itself with an OpenAI error body."""

    def __init__(self, status: int, message: str, code: str | None = None,
                 headers: dict[str, str] | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.param = param
        self.headers = headers or {}

    def body(self) -> bytes:
        return error_body(self.status, self.message, self.code, self.param)


def error_body(status: int, message: str, code: str | None = None, param: str | None = None) -> bytes:
    kind = _TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    return orjson.dumps({"error": {"message": message, "type": kind, "param": param, "code": code}})


def error_response(exc: GatewayError) -> Response:
    return Response(exc.body(), status_code=exc.status, media_type="application/json", headers=exc.headers)


def sse_error_event(message: str, code: str = "upstream_error") -> bytes:
    """What a client reads when its stream breaks: an error event, and no [DONE] after it."""
    payload = orjson.dumps({"error": {"message": message, "type": "api_error", "param": None, "code": code}})
    return b"data: " + payload + b"\n\n"


def register_exception_handlers(app: FastAPI) -> None:
    async def gateway_error(_: Request, exc: GatewayError) -> Response:
        return error_response(exc)

    async def http_error(_: Request, exc: HTTPException) -> Response:
        return error_response(GatewayError(exc.status_code, str(exc.detail), headers=exc.headers))

    async def validation_error(_: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        param = ".".join(str(p) for p in first.get("loc", ())) or None
        return error_response(GatewayError(400, first.get("msg", "invalid request"), "invalid_request", param=param))

    app.add_exception_handler(GatewayError, gateway_error)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
