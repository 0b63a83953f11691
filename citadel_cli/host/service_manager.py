"""One interface over the two ways a host runs our services: systemd units, or our own supervisor.

Callers (lifecycle.py, the watchdog, diagnose, deploy) code against `ServiceManager` and get one
from `get_service_manager`; they never ask which backend they hold except to print it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from citadel_cli.config import Backend, CitadelConfig
from citadel_cli.errors import HostError
from citadel_cli.host.runner import Runner
from citadel_cli.paths import Paths
from citadel_cli.services import ServiceDef


class ServiceStatus(BaseModel):
    """What one service is doing now. Fields a backend cannot know stay None."""

    name: str
    unit: str
    backend: str
    state: str  # systemd's ActiveState words: active | activating | deactivating | inactive | failed
    sub_state: str | None = None  # running | auto-restart | exited | dead | failed ...
    pid: int | None = None  # main process
    started_at: datetime | None = None
    uptime_s: float | None = None
    restarts: int = 0  # automatic restarts since the last explicit start
    exit_status: int | None = None  # last exit code, or the signal number when result == "signal"
    result: str | None = None  # success | exit-code | signal | ... (systemd's Result=)
    message: str | None = None  # the last exit in words: "killed by signal 9 (KILL)"
    rss_bytes: int | None = None  # main process and its children
    cpu_percent: float | None = None
    port: int | None = None
    healthy: bool | None = None  # /health answered 200 (filled by lifecycle.service_status)
    ready: bool | None = None  # the model is listed by /v1/models (engines), /ready (gateway)


class ServiceManager(ABC):
    backend: str

    def install_units(self, services: list[ServiceDef]) -> None:  # noqa: B027 - optional hook
        """Make the services known to the backend (systemd: the installer writes units)."""

    @abstractmethod
    def start(self, services: list[ServiceDef]) -> None:
        """Start the services without waiting for readiness; already running ones are left alone."""

    @abstractmethod
    def stop(self, services: list[ServiceDef], timeout: float) -> None:
        """SIGTERM, then SIGKILL after `timeout` seconds; returns when no process of theirs is left."""

    @abstractmethod
    def restart(self, services: list[ServiceDef]) -> None: ...

    @abstractmethod
    def status(self, services: list[ServiceDef], usage: bool = True) -> list[ServiceStatus]:
        """State of each service; RSS and CPU (a 0.2 s sample) only when `usage`."""

    @abstractmethod
    def logs(self, service: ServiceDef, lines: int = 50, since: str | None = None,
             follow: bool = False) -> Iterator[str]:
        """The service's last `lines` output lines (then new ones while `follow`)."""

    def tail(self, service: ServiceDef, lines: int = 20) -> list[str]:
        return list(self.logs(service, lines=lines))


def add_usage(statuses: list[ServiceStatus]) -> None:
    """Fill RSS and CPU of each running service (its main process and children) in place."""
    from citadel_cli.host import probes

    pids = [st.pid for st in statuses if st.pid]
    usage = probes.tree_usage(pids) if pids else {}
    for st in statuses:
        if st.pid in usage:
            st.rss_bytes, st.cpu_percent = usage[st.pid].rss_bytes, usage[st.pid].cpu_percent


def systemd_is_init() -> bool:
    """True when PID 1 is systemd (what sd_booted() answers; /proc/1/comm also works in containers)."""
    try:
        return Path("/proc/1/comm").read_text().strip() == "systemd"
    except OSError:
        return False


def resolve_backend(config: CitadelConfig, backend: Backend | str | None = None) -> Backend:
    chosen = Backend(backend or config.service.backend)
    if chosen is Backend.auto:
        return Backend.systemd if systemd_is_init() else Backend.supervisor
    return chosen


def get_service_manager(config: CitadelConfig, paths: Paths, runner: Runner | None = None,
                        backend: Backend | str | None = None, config_file: Path | None = None) -> ServiceManager:
    """The manager for `backend` (default: the config's; auto = systemd when PID 1 is systemd).

    `config_file` is handed to supervised services as CITADEL_CONFIG so they load the same config.
    """
    runner = runner or Runner()
    chosen = resolve_backend(config, backend)
    if chosen is Backend.systemd:
        from citadel_cli.host.systemd import SystemdManager

        if runner.which("systemctl") is None:
            raise HostError("the systemd backend needs systemctl, which is not installed",
                            hint="use --backend supervisor on hosts without systemd")
        return SystemdManager(runner)
    from citadel_cli.host.supervisor import SupervisorManager

    return SupervisorManager(config, paths, runner, config_file=config_file)
