"""Start, stop, restart and inspect the services of a deployment, through either backend.

Order matters: engines start in parallel and are waited on until they really answer (a one-token
completion, see readiness.py), then the gateway; stop drains the gateway first (it finishes
in-flight requests on SIGTERM, up to gateway.drain_timeout_s), then the engines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel

from citadel_cli.config import Backend, CitadelConfig
from citadel_cli.errors import HostError, UsageError
from citadel_cli.host.runner import Runner
from citadel_cli.host.service_manager import ServiceManager, ServiceStatus, get_service_manager
from citadel_cli.paths import Paths
from citadel_cli.services import ServiceDef, ServiceKind, resolve_targets

Event = Callable[[str, str, str], None]  # (service name, phase, detail) for a progress display
POLL_S = 0.5
PROBE_TIMEOUT_S = 2.0
LOG_TAIL_LINES = 15


class ServiceOutcome(BaseModel):
    name: str
    unit: str
    ok: bool
    state: str  # ready | stopped | failed
    seconds: float
    url: str | None = None
    error: str | None = None  # names the unit and the reason
    log_tail: list[str] = []


class StartResult(BaseModel):
    action: str  # start | stop | restart
    backend: str
    ok: bool
    services: list[ServiceOutcome]

    @property
    def failures(self) -> list[ServiceOutcome]:
        return [s for s in self.services if not s.ok]


def _quiet(_name: str, _phase: str, _detail: str) -> None:
    """No progress display."""


def manager_for(app, backend: Backend | str | None = None) -> ServiceManager:  # app: context.AppContext
    """The ServiceManager a command uses: its --backend, else the config's."""
    return get_service_manager(app.config, app.paths, app.runner, backend, config_file=app.loaded.source)


def _split(services: list[ServiceDef]) -> tuple[list[ServiceDef], list[ServiceDef]]:
    engines = [s for s in services if s.kind is ServiceKind.engine]
    return engines, [s for s in services if s.kind is ServiceKind.gateway]


def _manager(config: CitadelConfig, paths: Paths, manager: ServiceManager | None) -> ServiceManager:
    return manager or get_service_manager(config, paths, Runner())


# --- start ---------------------------------------------------------------------------------------


def start_services(config: CitadelConfig, paths: Paths, targets: list[str] | None = None, *,
                   manager: ServiceManager | None = None, on_event: Event = _quiet) -> StartResult:
    """Start the targets (default all): engines in parallel until ready, then the gateway."""
    manager = _manager(config, paths, manager)
    engines, gateways = _split(resolve_targets(config, paths, targets))
    outcomes = _start_group(manager, config, engines, on_event)
    # The gateway starts even when an engine failed: it still serves the others (and says which is down).
    outcomes += _start_group(manager, config, gateways, on_event)
    return StartResult(action="start", backend=manager.backend, ok=all(o.ok for o in outcomes), services=outcomes)


def _start_group(manager: ServiceManager, config: CitadelConfig, services: list[ServiceDef],
                 on_event: Event) -> list[ServiceOutcome]:
    if not services:
        return []
    for svc in services:
        on_event(svc.name, "starting", svc.unit)
    started = time.monotonic()
    try:
        manager.start(services)
    except HostError as exc:
        return [_failed(manager, s, started, exc.message, on_event) for s in services]
    with ThreadPoolExecutor(max_workers=len(services)) as pool:
        return list(pool.map(lambda s: _wait_one(manager, config, s, started, on_event), services))


def _wait_one(manager: ServiceManager, config: CitadelConfig, svc: ServiceDef, started: float,
              on_event: Event) -> ServiceOutcome:
    from citadel_cli.readiness import probe_completion, probe_health

    on_event(svc.name, "waiting", "waiting for the first answer")
    deadline = started + config.service.ready_timeout_s
    error = "no answer yet"
    while time.monotonic() < deadline:
        dead = _not_running(manager, svc)
        if dead:
            return _failed(manager, svc, started, dead, on_event)
        probe = probe_health(svc.base_url, timeout=PROBE_TIMEOUT_S)
        if probe.ok and svc.kind is ServiceKind.engine:
            probe = probe_completion(svc.base_url, svc.name, timeout=max(1.0, deadline - time.monotonic()))
        if probe.ok:
            on_event(svc.name, "ready", f"{time.monotonic() - started:.1f} s")
            return ServiceOutcome(name=svc.name, unit=svc.unit, ok=True, state="ready", url=svc.base_url,
                                  seconds=round(time.monotonic() - started, 2))
        error = probe.error or error
        on_event(svc.name, "waiting", error)
        time.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))  # poll interval within the deadline
    reason = f"not ready after {config.service.ready_timeout_s:g} s (last: {error})"
    return _failed(manager, svc, started, reason, on_event)


def _not_running(manager: ServiceManager, svc: ServiceDef) -> str | None:
    """Why the service is no longer on its way up, or None while it still is."""
    st = manager.status([svc], usage=False)[0]
    if st.state in ("failed", "inactive", "not-found") or st.sub_state == "auto-restart":
        return f"{st.state}" + (f": main process {st.message}" if st.message else "")
    return None


def _failed(manager: ServiceManager, svc: ServiceDef, started: float, reason: str,
            on_event: Event) -> ServiceOutcome:
    on_event(svc.name, "failed", reason)
    return ServiceOutcome(name=svc.name, unit=svc.unit, ok=False, state="failed", url=svc.base_url,
                          seconds=round(time.monotonic() - started, 2), error=f"{svc.unit}: {reason}",
                          log_tail=_tail(manager, svc))


def _tail(manager: ServiceManager, svc: ServiceDef) -> list[str]:
    try:
        return manager.tail(svc, LOG_TAIL_LINES)
    except (HostError, OSError) as exc:  # the failure report must not fail on the way
        return [f"(no logs: {exc})"]


# --- stop / restart ------------------------------------------------------------------------------


def stop_services(config: CitadelConfig, paths: Paths, targets: list[str] | None = None, *,
                  manager: ServiceManager | None = None, on_event: Event = _quiet) -> StartResult:
    """Stop the gateway first (it drains in-flight requests), then the engines in parallel."""
    manager = _manager(config, paths, manager)
    engines, gateways = _split(resolve_targets(config, paths, targets))
    drain = max(config.service.stop_timeout_s, config.gateway.drain_timeout_s + 5.0)
    outcomes = _stop_group(manager, gateways, drain, on_event)
    outcomes += _stop_group(manager, engines, config.service.stop_timeout_s, on_event)
    return StartResult(action="stop", backend=manager.backend, ok=all(o.ok for o in outcomes), services=outcomes)


def _stop_group(manager: ServiceManager, services: list[ServiceDef], timeout: float,
                on_event: Event) -> list[ServiceOutcome]:
    if not services:
        return []
    for svc in services:
        on_event(svc.name, "stopping", svc.unit)
    started = time.monotonic()
    try:
        manager.stop(services, timeout)
    except HostError as exc:
        return [_failed(manager, s, started, exc.message, on_event) for s in services]
    outcomes = []
    for svc in services:
        on_event(svc.name, "stopped", "")
        outcomes.append(ServiceOutcome(name=svc.name, unit=svc.unit, ok=True, state="stopped",
                                       seconds=round(time.monotonic() - started, 2)))
    return outcomes


def restart_services(config: CitadelConfig, paths: Paths, targets: list[str] | None = None, *,
                     manager: ServiceManager | None = None, on_event: Event = _quiet) -> StartResult:
    """Stop then start, in the safe order, waiting for readiness again."""
    manager = _manager(config, paths, manager)
    stopped = stop_services(config, paths, targets, manager=manager, on_event=on_event)
    if not stopped.ok:
        return stopped.model_copy(update={"action": "restart"})
    started = start_services(config, paths, targets, manager=manager, on_event=on_event)
    return started.model_copy(update={"action": "restart"})


# --- status --------------------------------------------------------------------------------------


def service_status(config: CitadelConfig, paths: Paths, targets: list[str] | None = None, *,
                   manager: ServiceManager | None = None, probe: bool = True) -> list[ServiceStatus]:
    """Each service's process facts, plus live /health and readiness when `probe`."""
    manager = _manager(config, paths, manager)
    services = resolve_targets(config, paths, targets)
    statuses = manager.status(services)
    if probe:
        with ThreadPoolExecutor(max_workers=max(1, len(services))) as pool:
            list(pool.map(_probe_http, services, statuses))
    return statuses


def _probe_http(svc: ServiceDef, st: ServiceStatus) -> None:
    from citadel_cli.readiness import probe_health

    if st.state not in ("active", "activating", "reloading"):
        return
    st.healthy = probe_health(svc.base_url, timeout=PROBE_TIMEOUT_S).ok
    st.ready = _ready(svc) if st.healthy else False


def _ready(svc: ServiceDef) -> bool:
    """Engine: its model is listed by /v1/models. Gateway: /ready answers 200."""
    import httpx

    try:
        if svc.kind is ServiceKind.gateway:
            return httpx.get(f"{svc.base_url}/ready", timeout=PROBE_TIMEOUT_S).status_code == 200
        response = httpx.get(f"{svc.base_url}/v1/models", timeout=PROBE_TIMEOUT_S)
        return response.status_code == 200 and svc.name in {m.get("id") for m in response.json().get("data", [])}
    except (httpx.HTTPError, ValueError, AttributeError):
        return False


def service_logs(config: CitadelConfig, paths: Paths, target: str, *, lines: int = 50, since: str | None = None,
                 follow: bool = False, manager: ServiceManager | None = None):
    """The target's log lines (an iterator; endless while `follow`)."""
    if target == "all":
        raise UsageError("logs shows one service at a time", hint="name a model key or 'gateway'")
    manager = _manager(config, paths, manager)
    (svc,) = resolve_targets(config, paths, [target])
    return manager.logs(svc, lines=lines, since=since, follow=follow)
