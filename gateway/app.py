"""create_app(settings) -> the gateway's FastAPI app.

The proxied POST routes skip FastAPI's routing and middleware: `GatewayApp.__call__` sends
them straight to the raw ASGI `Proxy` (measured: the Starlette request path costs more than
the whole hop to a fast backend). Everything else is ordinary FastAPI, one router per feature.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI

from gateway import routes_admin, routes_openai, routes_status
from gateway.errors import register_exception_handlers
from gateway.health import health_loop
from gateway.proxy import ENDPOINTS, Proxy
from gateway.settings import GatewaySettings
from gateway.state import GatewayState

log = logging.getLogger("gateway")


class GatewayApp(FastAPI):
    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] in ENDPOINTS:
            await self.state.proxy(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: GatewaySettings = app.state.settings
    state = GatewayState.build(settings)
    app.state.gateway = state
    app.state.proxy = Proxy(state)
    health = asyncio.create_task(health_loop(state), name="gateway-health")
    log.info("gateway serving %d models: %s", len(state.router.pools), ", ".join(state.router.pools))
    try:
        yield
    finally:
        # Runs after the server stopped accepting and in-flight requests finished (or the
        # drain timeout passed): nothing uses the client any more.
        state.draining = True
        state.access.flush()
        health.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await health
        try:
            state.auth.flush_usage()
        except sqlite3.Error as exc:
            log.warning("could not record API key usage: %s", exc)
        state.client.close()


def create_app(settings: GatewaySettings) -> FastAPI:
    app = GatewayApp(title="citadel-llm gateway", version="1", lifespan=_lifespan,
                     description="OpenAI-compatible gateway in front of vLLM model servers.")
    app.state.settings = settings
    register_exception_handlers(app)
    for module in (routes_openai, routes_status, routes_admin):
        app.include_router(module.router)
    return app
