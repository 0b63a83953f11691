"""Rolling restart: one engine at a time, out of the gateway's rotation, restarted, proven ready
with a real completion, put back — so no client request fails.

A model with another routable replica simply loses this one for a while. A model with a single
server gets a temporary *surge* replica first (the same launch on a spare port, added to the
gateway), so there is always a server answering; the surge replica is drained and removed at the
end. The gateway itself is not restarted: it is the door every request comes through.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable

from pydantic import BaseModel

from citadel_cli.config import CitadelConfig, EngineKind, ModelSpec
from citadel_cli.errors import HostError
from citadel_cli.host.runner import Runner
from citadel_cli.host.service_manager import ServiceManager
from citadel_cli.paths import Paths
from citadel_cli.services import ServiceDef, engine_service, gateway_service

Event = Callable[[str, str, str], None]
ADMIN_TIMEOUT_S = 10.0


class RollStep(BaseModel):
    model: str
    ok: bool
    seconds: float
    surge: bool  # a temporary replica carried the traffic
    detail: str


class RollingResult(BaseModel):
    ok: bool
    models: list[RollStep]


class GatewayAdmin:
    """The gateway's /admin API, as the rolling restart uses it."""

    def __init__(self, base_url: str, admin_key: str | None = None) -> None:
        self.base_url = base_url
        self.headers = {"X-Admin-Key": admin_key} if admin_key else {}

    def _call(self, method: str, path: str, **kwargs: object) -> dict:
        import httpx

        try:
            response = httpx.request(method, f"{self.base_url}{path}", headers=self.headers,
                                     timeout=kwargs.pop("timeout", ADMIN_TIMEOUT_S), **kwargs)
        except httpx.HTTPError as exc:
            raise HostError(f"the gateway at {self.base_url} did not answer {path}: {exc}",
                            hint="a rolling restart needs the gateway running: `citadel-llm start gateway`") from None
        if response.status_code >= 400:
            raise HostError(f"gateway {method} {path} answered {response.status_code}: {response.text[:200]}")
        return response.json()

    def backends(self, model: str) -> list[dict]:
        data = self._call("GET", f"/models/{model}/status")
        return list(data.get("servers", []))

    def add(self, model: str, url: str) -> int:
        return int(self._call("POST", f"/admin/backends/{model}", json={"url": url})["index"])

    def remove(self, model: str, index: int) -> None:
        self._call("DELETE", f"/admin/backends/{model}/{index}")

    def drain(self, model: str, index: int, wait_s: float) -> None:
        self._call("POST", f"/admin/backends/{model}/{index}/drain", params={"wait_s": wait_s},
                   timeout=wait_s + ADMIN_TIMEOUT_S)

    def undrain(self, model: str, index: int) -> dict:
        return self._call("POST", f"/admin/backends/{model}/{index}/undrain")


def rolling_restart(config: CitadelConfig, paths: Paths, manager: ServiceManager, keys: list[str] | None = None,
                    *, runner: Runner | None = None, on_event: Event | None = None,
                    admin_key: str | None = None) -> RollingResult:
    """Restart the engines of `keys` (default: every enabled model) one at a time."""
    admin = GatewayAdmin(gateway_service(config, paths).base_url, admin_key)
    roller = _Roller(config, paths, manager, admin, runner or Runner(), on_event or (lambda *_: None))
    steps: list[RollStep] = []
    for spec in config.select(keys):
        step = roller.roll(spec)
        steps.append(step)
        if not step.ok:
            break  # leave the rest alone: the operator decides with one model down, not four
    return RollingResult(ok=all(s.ok for s in steps), models=steps)


class _Roller:
    def __init__(self, config: CitadelConfig, paths: Paths, manager: ServiceManager, admin: GatewayAdmin,
                 runner: Runner, on_event: Event) -> None:
        self.config, self.paths, self.manager = config, paths, manager
        self.admin, self.runner, self.on_event = admin, runner, on_event

    def roll(self, spec: ModelSpec) -> RollStep:
        started = time.monotonic()
        svc = engine_service(spec, self.config, self.paths)
        surge: _Surge | None = None
        try:
            own = self._own_index(spec.key, svc)
            if not self._other_replica(spec.key, own):
                surge = self._start_surge(spec)
            self.on_event(spec.key, "draining", "out of the gateway's rotation")
            self.admin.drain(spec.key, own, wait_s=self.config.gateway.drain_timeout_s)
            self.on_event(spec.key, "restarting", svc.unit)
            self.manager.restart([svc])
            self._wait_ready(svc.base_url, spec.key)
            self._back_in_rotation(spec.key, own)
        except HostError as exc:
            self.on_event(spec.key, "failed", exc.message)
            return RollStep(model=spec.key, ok=False, seconds=_since(started), surge=surge is not None,
                            detail=exc.message)
        finally:
            if surge is not None:
                self._remove_surge(spec.key, surge)
        self.on_event(spec.key, "ready", "restarted and back in rotation")
        return RollStep(model=spec.key, ok=True, seconds=_since(started), surge=surge is not None,
                        detail="restarted" + (" behind a surge replica" if surge else ""))

    def _own_index(self, model: str, svc: ServiceDef) -> int:
        for backend in self.admin.backends(model):
            if backend["url"].rstrip("/") == svc.base_url:
                return int(backend["index"])
        raise HostError(f"the gateway does not route {model} to {svc.base_url}",
                        hint="restart the gateway so it picks up the current config")

    def _other_replica(self, model: str, own: int) -> bool:
        return any(b["index"] != own and b.get("healthy") and not b.get("drained") and b.get("breaker") != "open"
                   for b in self.admin.backends(model))

    def _wait_ready(self, base_url: str, model: str) -> None:
        from citadel_cli.readiness import wait_ready

        result = wait_ready(base_url, model, self.config.service.ready_timeout_s)
        if not result.ready:
            raise HostError(f"{model} at {base_url} is not ready: {result.error}",
                            hint=f"see `citadel-llm logs {model}`")

    def _back_in_rotation(self, model: str, index: int) -> None:
        status = self.admin.undrain(model, index)
        if status.get("healthy") is False:
            raise HostError(f"the gateway still sees {model} backend {index} as unhealthy: {status.get('last_error')}")

    # --- the surge replica -----------------------------------------------------------------

    def _start_surge(self, spec: ModelSpec) -> _Surge:
        from citadel_cli.engine import build_launch

        _check_room_for_surge(spec)
        port = _free_port(spec.host)
        launch = build_launch(spec.model_copy(update={"port": port}), self.config, self.paths)
        url = f"http://{'127.0.0.1' if spec.host in ('0.0.0.0', '') else spec.host}:{port}"
        self.on_event(spec.key, "surge", f"temporary replica on port {port}")
        pid = self.runner.spawn_detached(launch.argv, log_file=self.paths.log_file(f"{spec.key}-surge"),
                                         env=launch.env)
        surge = _Surge(pid=pid, url=url)
        try:
            self._wait_ready(url, spec.key)
            surge.index = self.admin.add(spec.key, url)
            self._back_in_rotation(spec.key, surge.index)
        except HostError:
            self._remove_surge(spec.key, surge)
            raise
        return surge

    def _remove_surge(self, model: str, surge: _Surge) -> None:
        if surge.index is not None:
            try:
                self.admin.drain(model, surge.index, wait_s=self.config.gateway.drain_timeout_s)
                self.admin.remove(model, surge.index)
            except HostError as exc:
                self.on_event(model, "warning", f"surge replica not removed from the gateway: {exc.message}")
        _stop_group(surge.pid, self.config.service.stop_timeout_s)


class _Surge:
    def __init__(self, pid: int, url: str) -> None:
        self.pid, self.url = pid, url
        self.index: int | None = None


def _check_room_for_surge(spec: ModelSpec) -> None:
    if spec.engine is EngineKind.sim:
        return
    import psutil

    free = psutil.virtual_memory().available
    if free < spec.memory:
        raise HostError(
            f"{spec.key} has one server and no room for a temporary second one "
            f"({spec.memory >> 30} GiB needed, {free >> 30} GiB free), so a rolling restart would drop requests",
            hint=f"add a replica under gateway.backends.{spec.key}, or use a plain `citadel-llm restart {spec.key}`")


def _free_port(host: str) -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1" if host in ("0.0.0.0", "") else host, 0))
        return sock.getsockname()[1]


def _stop_group(pid: int, timeout: float) -> None:
    """SIGTERM every process of the surge replica's group (vLLM's engine core and workers too),
    SIGKILL the survivors after `timeout`: none is left, as the supervisor does for services."""
    from citadel_cli.host import probes

    members = probes.group_members(pid)
    probes.signal_all(members, signal.SIGTERM)
    left = probes.wait_gone(members, timeout)
    if left:
        probes.signal_all(left, signal.SIGKILL)
        probes.wait_gone(left, 5.0)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # we spawned it: reap it rather than leave a zombie


def _since(started: float) -> float:
    return round(time.monotonic() - started, 2)
