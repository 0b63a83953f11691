"""ServiceManager for hosts without systemd: one monitor process per service (host/monitor.py).

Files per service under paths.run: `<name>.pid` (the monitor's pid, which is also the process
group id of everything the service runs) and `<name>.json` (the state the monitor records).
Output goes to ServiceDef.log_file. The service runs the same argv as its unit, with the
variables of its env file (EnvironmentFile=) and CITADEL_CONFIG / CITADEL_ROOT / CITADEL_PROFILE
so it loads the same config as the CLI that started it.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from citadel_cli.config import CitadelConfig
from citadel_cli.errors import HostError, UsageError
from citadel_cli.fsutil import atomic_write
from citadel_cli.host import probes
from citadel_cli.host.monitor import read_state, write_state
from citadel_cli.host.runner import Runner
from citadel_cli.host.service_manager import ServiceManager, ServiceStatus, add_usage
from citadel_cli.paths import Paths
from citadel_cli.services import ServiceDef

FOLLOW_POLL_S = 0.25


def read_env_file(path: Path | None) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile= reads them: '#'/';' comments, quotes stripped."""
    if path is None or not path.is_file():
        return {}
    env = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


class SupervisorManager(ServiceManager):
    backend = "supervisor"

    def __init__(self, config: CitadelConfig, paths: Paths, runner: Runner,
                 config_file: Path | None = None, restart_sec: float = 1.0, burst: int = 5) -> None:
        self.config = config
        # Restart=on-failure, RestartSec=1 and StartLimitBurst=5 per 10 s, as the units have.
        self.restart_args = ["--restart-sec", str(restart_sec), "--burst", str(burst)]
        self.paths = paths
        self.runner = runner
        self.config_file = config_file

    # --- files
    def pid_file(self, service: ServiceDef) -> Path:
        return self.paths.run / f"{service.name}.pid"

    def state_file(self, service: ServiceDef) -> Path:
        return self.paths.run / f"{service.name}.json"

    def _monitor(self, service: ServiceDef) -> tuple[int | None, dict | None]:
        """(pid of the live monitor or None, recorded state)."""
        state = read_state(self.state_file(service))
        try:
            pid = int(self.pid_file(service).read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None, state
        started = state.get("monitor_started") if state and state.get("monitor_pid") == pid else None
        return (pid if probes.alive(pid, started) else None), state

    # --- start
    def service_env(self, service: ServiceDef) -> dict[str, str]:
        env = read_env_file(service.env_file)
        if self.config_file is not None:
            env["CITADEL_CONFIG"] = str(self.config_file)
        if self.paths.root != Path("/"):
            env["CITADEL_ROOT"] = str(self.paths.root)
        env["CITADEL_PROFILE"] = self.config.profile.value
        return env

    def start(self, services: list[ServiceDef]) -> None:
        for service in services:
            if self._monitor(service)[0] is None:
                self._start_one(service)

    def _start_one(self, service: ServiceDef) -> None:
        owner = probes.port_owner(service.port)
        if owner is not None:
            who = f"pid {owner} ({probes.process_name(owner)})" if owner > 0 else "another process"
            raise HostError(f"{service.unit}: port {service.port} is already in use by {who}",
                            hint="stop that process or change the port in the config")
        self.paths.run.mkdir(parents=True, exist_ok=True)
        self.state_file(service).unlink(missing_ok=True)  # a fresh start resets the restart counter
        argv = [sys.executable, "-m", "citadel_cli.host.monitor", "--state", str(self.state_file(service)),
                *self.restart_args, "--", *service.argv]
        pid = self.runner.spawn_detached(argv, log_file=service.log_file, env=self.service_env(service),
                                         cwd=self.paths.run)
        atomic_write(self.pid_file(service), f"{pid}\n")

    # --- stop
    def stop(self, services: list[ServiceDef], timeout: float) -> None:
        survivors = []
        for service in services:
            survivors += self._signal_stop(service)
        # One deadline for all: they drain in parallel.
        left = probes.wait_gone(survivors, timeout)
        if left:
            probes.signal_all(left, signal.SIGKILL)
            left = probes.wait_gone(left, 5.0)
        for service in services:
            self._mark_stopped(service)
        if left:
            raise HostError(f"processes {left} survived SIGKILL", hint="check for processes stuck in D state")

    def _signal_stop(self, service: ServiceDef) -> list[int]:
        """SIGTERM the service; the pids that must be gone before it counts as stopped."""
        pid, _state = self._monitor(service)
        if pid is None:
            return []
        # Collected before the signal: a child that moved to its own group is still ours to reap.
        pids = sorted({pid, *probes.group_members(pid), *probes.descendants(pid)})
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)  # the monitor forwards one SIGTERM to its whole group
        return pids

    def _mark_stopped(self, service: ServiceDef) -> None:
        state = read_state(self.state_file(service))
        if state and state.get("state") not in ("inactive", "failed"):
            state.update(state="inactive", sub_state="dead", pid=None)
            write_state(self.state_file(service), state)
        self.pid_file(service).unlink(missing_ok=True)

    def restart(self, services: list[ServiceDef]) -> None:
        self.stop(services, self.config.service.stop_timeout_s)
        self.start(services)

    # --- status
    def status(self, services: list[ServiceDef], usage: bool = True) -> list[ServiceStatus]:
        statuses = [self._status_one(s) for s in services]
        if usage:
            add_usage(statuses)
        return statuses

    def _status_one(self, service: ServiceDef) -> ServiceStatus:
        monitor, state = self._monitor(service)
        base = ServiceStatus(name=service.name, unit=service.unit, backend=self.backend, state="inactive",
                             sub_state="dead", port=service.port)
        if not state:
            return base.model_copy(update={"state": "activating" if monitor else "inactive"})
        st = base.model_copy(update={k: state.get(k) for k in
                                     ("state", "sub_state", "restarts", "result", "exit_status", "message")})
        if monitor is None and st.state in ("active", "activating"):
            st.state, st.sub_state = "failed", "failed"
            st.message = "the supervisor's monitor process is gone"
        if monitor is not None and probes.alive(state.get("pid"), state.get("pid_started")):
            st.pid = state["pid"]
            st.started_at = datetime.fromisoformat(state["started_at"])
            st.uptime_s = round((datetime.now(UTC) - st.started_at).total_seconds(), 1)
        return st

    # --- logs
    def logs(self, service: ServiceDef, lines: int = 50, since: str | None = None,
             follow: bool = False) -> Iterator[str]:
        path = service.log_file
        cutoff = parse_since(since) if since else None
        text = path.read_text(errors="replace") if path.exists() else ""
        selected = _since_filter(text.splitlines(), cutoff)
        yield from selected[-lines:] if lines > 0 else []
        if follow:
            yield from _follow(path, len(text.encode(errors="replace")))


def _follow(path: Path, offset: int) -> Iterator[str]:
    """New lines appended to `path`, until the reader stops iterating (Ctrl-C)."""
    pending = ""
    while True:
        if path.exists() and path.stat().st_size < offset:
            offset = 0  # truncated or rotated: start over
        if path.exists():
            with open(path, "rb") as handle:
                handle.seek(offset)
                chunk = handle.read()
            offset += len(chunk)
            pending += chunk.decode(errors="replace")
            *done, pending = pending.split("\n")
            yield from done
        time.sleep(FOLLOW_POLL_S)  # tail -f: poll the file for appended output


_TS = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2})")
_REL = re.compile(r"^-?(\d+)\s*(s|sec|m|min|h|hour|hours|d|day|days)?(\s+ago)?$")


def parse_since(value: str) -> datetime:
    """journalctl-like --since: an ISO date/time, or a span ago ('10m', '2 hours ago', '-30s')."""
    match = _REL.match(value.strip())
    if match:
        unit = (match.group(2) or "s")[0]
        seconds = int(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
        return datetime.now() - timedelta(seconds=seconds)
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(f"cannot read --since {value!r}",
                         hint="use a time like '2024-05-01 10:00' or a span like '10m' or '2 hours ago'") from None


def _since_filter(lines: list[str], cutoff: datetime | None) -> list[str]:
    """Lines at or after `cutoff`; a line without a timestamp goes with the one before it."""
    if cutoff is None:
        return lines
    keep, out = False, []
    for line in lines:
        match = _TS.match(line)
        if match:
            keep = datetime.fromisoformat(match.group(1)) >= cutoff
        if keep:
            out.append(line)
    return out
