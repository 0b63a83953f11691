"""Liveness, readiness, metrics and the status pages (JSON for operators and `citadel-llm`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from gateway.errors import GatewayError
from gateway.routing import ModelPool
from gateway.state import GatewayState

router = APIRouter(tags=["status"])


def gateway_state(request: Request) -> GatewayState:
    return request.app.state.gateway


def _pool_status(pool: ModelPool) -> dict[str, object]:
    backends = [b for b in pool.backends if not b.retired]
    return {
        "model": pool.model, "healthy": pool.healthy(), "strategy": pool.strategy,
        "backends": len(backends), "routable": sum(1 for b in backends if b.routable()),
        "in_flight": sum(b.outstanding for b in backends),
        "servers": [b.status() for b in backends],
    }


@router.get("/health", summary="Liveness: the gateway process answers.")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="Readiness: every model has a backend whose health check passed.",
            responses={503: {"description": "Some model has no healthy backend."}})
async def ready(request: Request) -> JSONResponse:
    state = gateway_state(request)
    models = {m: any(b.healthy is True and b.routable() for b in pool.backends)
              for m, pool in state.router.pools.items()}
    ok = bool(models) and all(models.values()) and not state.draining
    return JSONResponse({"ready": ok, "models": models}, status_code=200 if ok else 503)


@router.get("/metrics", summary="Prometheus metrics.", response_class=Response,
            responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}})
async def metrics(request: Request) -> Response:
    state = gateway_state(request)
    return Response(state.metrics.render(state.router), media_type="text/plain; version=0.0.4; charset=utf-8")


@router.get("/models/status", summary="Health, in-flight requests and backends of every model.")
async def models_status(request: Request) -> dict[str, object]:
    pools = gateway_state(request).router.pools
    return {"models": {m: _pool_status(pool) for m, pool in pools.items()}}


@router.get("/models/{model}/status", summary="Health and backends of one model (or alias).",
            responses={404: {"description": "No such model."}})
async def model_status(model: str, request: Request) -> dict[str, object]:
    router_ = gateway_state(request).router
    key = router_.resolve(model)
    if key is None:
        raise GatewayError(404, f"the model {model!r} does not exist", "model_not_found")
    return _pool_status(router_.pools[key])


@router.get("/servers/status", summary="Every backend: health, latency, in-flight, breaker, last error.")
async def servers_status(request: Request) -> dict[str, object]:
    return {"servers": [b.status() for b in gateway_state(request).router.backends()]}
