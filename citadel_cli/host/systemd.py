"""ServiceManager over systemctl and journalctl (the production path). Units are written by the
installer (units.py); this module only drives them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

from citadel_cli.host.runner import Runner
from citadel_cli.host.service_manager import ServiceManager, ServiceStatus, add_usage
from citadel_cli.services import ServiceDef

SHOW_PROPS = ("Id", "ActiveState", "SubState", "MainPID", "NRestarts", "ExecMainStatus", "ExecMainCode",
              "Result", "ActiveEnterTimestamp", "ExecMainStartTimestamp", "LoadState")
FOLLOW_POLL_S = 0.5
# ExecMainCode is a CLD_* value: 1 exited, 2 killed, 3 dumped core.
_CODE_WORDS = {"1": "exited with status", "2": "killed by signal", "3": "dumped core on signal"}


def parse_show(text: str) -> list[dict[str, str]]:
    """`systemctl show` output for several units: blocks of KEY=VALUE separated by blank lines."""
    blocks, current = [], {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
            current = {}
            continue
        key, _, value = line.partition("=")
        current[key] = value
    if current:
        blocks.append(current)
    return blocks


def parse_timestamp(value: str) -> datetime | None:
    """systemd's 'Mon 2024-05-06 10:00:01 UTC' (the zone may be any abbreviation; read as local)."""
    parts = value.split()
    if len(parts) < 3:
        return None
    try:
        naive = datetime.strptime(f"{parts[1]} {parts[2]}", "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    zone = UTC if len(parts) > 3 and parts[3] in ("UTC", "GMT") else None
    return naive.replace(tzinfo=zone) if zone else naive.astimezone()


class SystemdManager(ServiceManager):
    backend = "systemd"

    def __init__(self, runner: Runner) -> None:
        self.runner = runner

    def systemctl(self, *args: str, what: str, timeout: float = 60.0) -> str:
        result = self.runner.run(["systemctl", *args], timeout=timeout)
        result.check(what, hint="see `citadel-llm logs <service>` or `journalctl -xe`")
        return result.stdout

    def start(self, services: list[ServiceDef]) -> None:
        # --no-block: the jobs are queued at once and run in parallel; readiness is polled by the caller.
        self.systemctl("start", "--no-block", *(s.unit for s in services), what="systemctl start")

    def stop(self, services: list[ServiceDef], timeout: float) -> None:
        # The unit's TimeoutStopSec= decides when systemd sends SIGKILL; allow it plus a margin.
        self.systemctl("stop", *(s.unit for s in services), what="systemctl stop", timeout=timeout + 30)

    def restart(self, services: list[ServiceDef]) -> None:
        self.systemctl("restart", "--no-block", *(s.unit for s in services), what="systemctl restart")

    def status(self, services: list[ServiceDef], usage: bool = True) -> list[ServiceStatus]:
        if not services:
            return []
        out = self.systemctl("show", "-p", ",".join(SHOW_PROPS), *(s.unit for s in services),
                             what="systemctl show")
        by_unit = {block.get("Id"): block for block in parse_show(out)}
        statuses = [self._status(s, by_unit.get(s.unit, {})) for s in services]
        if usage:
            add_usage(statuses)
        return statuses

    def _status(self, service: ServiceDef, props: dict[str, str]) -> ServiceStatus:
        state = props.get("ActiveState", "unknown")
        if props.get("LoadState") == "not-found":
            state = "not-found"
        pid = int(props.get("MainPID") or 0) or None
        started = parse_timestamp(props.get("ExecMainStartTimestamp", "")) if pid else None
        code, exit_status = props.get("ExecMainCode", "0"), props.get("ExecMainStatus", "")
        message = f"{_CODE_WORDS[code]} {exit_status}" if code in _CODE_WORDS and exit_status else None
        return ServiceStatus(
            name=service.name, unit=service.unit, backend=self.backend, state=state,
            sub_state=props.get("SubState"), pid=pid, started_at=started,
            uptime_s=round((datetime.now(UTC) - started).total_seconds(), 1) if started else None,
            restarts=int(props.get("NRestarts") or 0),
            exit_status=int(exit_status) if exit_status.isdigit() and code != "0" else None,
            result=props.get("Result"), message=message, port=service.port,
        )

    def logs(self, service: ServiceDef, lines: int = 50, since: str | None = None,
             follow: bool = False) -> Iterator[str]:
        base = ["journalctl", "-u", service.unit, "--no-pager", "-o", "short-iso"]
        first = [*base, "-n", str(lines), *(["--since", since] if since else [])]
        if not follow:
            result = self.runner.run(first)
            result.check(f"journalctl -u {service.unit}")
            yield from (ln for ln in result.stdout.splitlines() if not ln.startswith("-- No entries"))
            return
        yield from self._follow(base, first)

    def _follow(self, base: list[str], first: list[str]) -> Iterator[str]:
        """journalctl -f, as a poll on the cursor so the process still goes through Runner."""
        argv = [*first, "--show-cursor"]
        while True:
            result = self.runner.run(argv)
            result.check("journalctl")
            for line in result.stdout.splitlines():
                if line.startswith("-- cursor: "):
                    argv = [*base, "--after-cursor", line.removeprefix("-- cursor: "), "--show-cursor"]
                elif not line.startswith("-- No entries"):
                    yield line
            time.sleep(FOLLOW_POLL_S)  # the journal has no push API through Runner: poll it
