"""Each engine's /health and the gateway's /ready."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from citadel_cli.diagnose.env import DiagnoseEnv
from citadel_cli.diagnose.model import HttpCheck
from citadel_cli.services import ServiceDef, ServiceKind


def health(env: DiagnoseEnv) -> list[HttpCheck]:
    services = env.services
    with ThreadPoolExecutor(max_workers=len(services)) as pool:
        return list(pool.map(lambda s: _check(s, env.timeout_s), services))


def _check(svc: ServiceDef, timeout: float) -> HttpCheck:
    from citadel_cli.readiness import probe_health

    if svc.kind is ServiceKind.gateway:
        return ready(svc, timeout)
    probe = probe_health(svc.base_url, timeout=timeout)
    return HttpCheck(service=svc.name, url=f"{svc.base_url}/health", ok=probe.ok, status=probe.status,
                     ms=round_ms(probe.ms), error=probe.error)


def ready(svc: ServiceDef, timeout: float) -> HttpCheck:
    """/ready answers 200 only when every model has a healthy backend; its body says which lack one."""
    import httpx

    url = f"{svc.base_url}/ready"
    start = time.monotonic()
    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        return HttpCheck(service=svc.name, url=url, ok=False, error=str(exc) or type(exc).__name__)
    ms = round_ms((time.monotonic() - start) * 1000)
    try:
        body = response.json()
    except ValueError:
        body = None
    ok = response.status_code == 200
    return HttpCheck(service=svc.name, url=url, ok=ok, status=response.status_code, ms=ms,
                     body=body if isinstance(body, dict) else None,
                     error=None if ok else f"/ready answered {response.status_code}")


def round_ms(ms: float | None) -> float | None:
    return None if ms is None else round(ms, 1)
