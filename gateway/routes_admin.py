"""Taking a backend out of rotation and back (rolling restarts).

Allowed with the admin key (`X-Admin-Key` or `Authorization: Bearer`) when one is set, else
only from a loopback client: draining is an operator's action on the gateway's own host.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from gateway.auth import key_from_headers
from gateway.errors import GatewayError
from gateway.health import check_backend
from gateway.routes_status import gateway_state
from gateway.routing import Backend

_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def require_admin(request: Request) -> None:
    auth = gateway_state(request).auth
    if auth.admin_key:
        key = request.headers.get("x-admin-key") or key_from_headers(
            request.headers.get("authorization", "").encode("latin-1"), None)
        if not auth.verify_admin(key):
            raise GatewayError(401, "admin key required", "invalid_admin_key")
    elif not request.client or request.client.host not in _LOOPBACK:
        raise GatewayError(403, "admin endpoints answer loopback clients only (or set an admin key)",
                           "forbidden")


router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


def _backend(request: Request, model: str, index: int) -> Backend:
    state = gateway_state(request)
    key = state.router.resolve(model)
    backend = state.router.backend(key, index) if key else None
    if backend is None:
        raise GatewayError(404, f"no backend {index} of model {model!r}", "backend_not_found")
    return backend


@router.post("/backends/{model}/{index}/drain", summary="Stop routing new requests to a backend.")
async def drain(model: str, index: int, request: Request, wait_s: float = 0.0) -> dict[str, object]:
    """With `wait_s`, answers once the backend's in-flight requests finished (or wait_s passed)."""
    backend = _backend(request, model, index)
    backend.drained = True
    deadline = time.monotonic() + min(max(wait_s, 0.0), 600.0)
    while backend.outstanding and time.monotonic() < deadline:
        await asyncio.sleep(0.05)  # polling the counter: the requests run on this same loop
    return backend.status()


@router.post("/backends/{model}/{index}/undrain", summary="Put a drained backend back in rotation.")
async def undrain(model: str, index: int, request: Request) -> dict[str, object]:
    """Checks the backend's health at once, so a restarted server is routable without waiting
    for the next health round."""
    backend = _backend(request, model, index)
    backend.drained = False
    await check_backend(gateway_state(request), backend)
    return backend.status()


class NewBackend(BaseModel):
    url: str = Field(pattern=r"^https?://[^/\s]+/?$", description="Base URL of the server, e.g. http://127.0.0.1:11500")


@router.post("/backends/{model}", summary="Add a server of a model (checked before it gets traffic).")
async def add_backend(model: str, body: NewBackend, request: Request) -> dict[str, object]:
    state = gateway_state(request)
    key = state.router.resolve(model)
    if key is None:
        raise GatewayError(404, f"the model {model!r} does not exist", "model_not_found")
    backend = state.router.add_backend(key, body.url, state.settings)
    await check_backend(state, backend)
    return backend.status()


@router.delete("/backends/{model}/{index}", summary="Remove a server added through /admin (drain it first).")
async def remove_backend(model: str, index: int, request: Request) -> dict[str, object]:
    backend = _backend(request, model, index)
    if backend.outstanding:
        raise GatewayError(409, f"backend {index} of {model!r} still has {backend.outstanding} request(s) in "
                           "flight", "backend_busy")
    backend.drained = backend.retired = True
    return backend.status()
