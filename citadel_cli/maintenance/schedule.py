"""`maintenance schedule install|show|remove`: the timers (default) or the /etc/cron.d file.

The files come from install/schedule.py (the same text `citadel-llm install` writes); this module
only puts them in place, removes the kind not chosen (both would run every routine twice), tells a
live systemd, and computes the next runs with `systemd-analyze calendar`, which works offline.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, Field

from citadel_cli.config import CitadelConfig
from citadel_cli.errors import ConfigError
from citadel_cli.fsutil import atomic_write, disk_error
from citadel_cli.host.runner import Runner
from citadel_cli.paths import Paths

ROUTINES = ("daily", "weekly", "monthly")
NEXT_RE = re.compile(r"Next elapse:\s*(.+)")


class ScheduleEntry(BaseModel):
    routine: str
    on_calendar: str
    timer: str
    cron: str | None = Field(None, description="The cron.d time fields (with --cron).")
    next_run: str | None = Field(None, description="From systemd-analyze calendar; None where it is missing.")


class ScheduleResult(BaseModel):
    action: str  # install | show | remove
    kind: str  # timers | cron
    installed: list[str] = Field(default_factory=list, description="Schedule files present now.")
    written: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    systemctl: list[str] = Field(default_factory=list, description="systemctl commands run (live systemd only).")
    entries: list[ScheduleEntry] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def _kind(cron: bool):  # -> ScheduleKind
    from citadel_cli.install.schedule import ScheduleKind

    return ScheduleKind.cron if cron else ScheduleKind.timers


def _live_systemd(paths: Paths, runner: Runner) -> bool:
    """Only a real host's systemd is told: never for a --root staging or a host without it."""
    from citadel_cli.host.service_manager import systemd_is_init

    return paths.root == Path("/") and systemd_is_init() and runner.which("systemctl") is not None


def _timers() -> list[str]:
    from citadel_cli.install.schedule import timer_name

    return [timer_name(r) for r in ROUTINES]


def _systemctl(runner: Runner, *args: str) -> str:
    runner.run(["systemctl", *args], timeout=60).check(f"systemctl {' '.join(args)}")
    return f"systemctl {' '.join(args)}"


def next_run(runner: Runner, expression: str) -> str | None:
    if runner.which("systemd-analyze") is None:
        return None
    result = runner.run(["systemd-analyze", "calendar", "--iterations=1", expression], timeout=15)
    if not result.ok:
        raise ConfigError(f"invalid OnCalendar expression {expression!r}: {result.stderr.strip()}",
                          hint="fix maintenance.daily/weekly/monthly in the config")
    match = NEXT_RE.search(result.stdout)
    return match.group(1).strip() if match else None


def _installed(paths: Paths) -> list[str]:
    from citadel_cli.install.schedule import schedule_paths

    return [str(p) for p in schedule_paths(paths) if p.exists()]


def show_schedule(config: CitadelConfig, paths: Paths, runner: Runner, cron: bool = False) -> ScheduleResult:
    from citadel_cli.install.schedule import on_calendar_to_cron

    entries = []
    for routine, timer in zip(ROUTINES, _timers(), strict=True):
        expression = getattr(config.maintenance, routine)
        when = on_calendar_to_cron(f"maintenance.{routine}", expression) if cron else None
        entries.append(ScheduleEntry(routine=routine, on_calendar=expression, timer=timer, cron=when,
                                     next_run=next_run(runner, expression)))
    notes = [] if runner.which("systemd-analyze") else ["systemd-analyze is not installed: next runs unknown"]
    if not _installed(paths):
        notes.append("no schedule installed: run `citadel-llm maintenance schedule install`")
    return ScheduleResult(action="show", kind=_kind(cron).value, installed=_installed(paths), entries=entries,
                          notes=notes)


def install_schedule(config: CitadelConfig, paths: Paths, runner: Runner, cron: bool = False) -> ScheduleResult:
    from citadel_cli.install.schedule import render_schedule, schedule_paths

    kind = _kind(cron)
    files = render_schedule(config, paths, kind)
    live = _live_systemd(paths, runner)
    result = show_schedule(config, paths, runner, cron)  # validates the expressions before writing
    result.action, result.notes = "install", []
    stale = [p for p in schedule_paths(paths) if p.exists() and p not in files]
    if live and any(p.name in _timers() for p in stale):
        result.systemctl.append(_systemctl(runner, "disable", "--now", *_timers()))
    result.removed = _remove(stale)
    for path, text in files.items():
        atomic_write(path, text, mode=0o644)
        result.written.append(str(path))
    if live and not cron:
        result.systemctl += [_systemctl(runner, "daemon-reload"), _systemctl(runner, "enable", "--now", *_timers())]
    elif not live and not cron:
        result.notes.append("systemd is not running here (or --root stages the files): timers written, not enabled")
    result.installed = _installed(paths)
    return result


def remove_schedule(config: CitadelConfig, paths: Paths, runner: Runner, cron: bool = False) -> ScheduleResult:
    from citadel_cli.install.schedule import schedule_paths

    result = ScheduleResult(action="remove", kind=_kind(cron).value)
    present = [p for p in schedule_paths(paths) if p.exists()]
    if _live_systemd(paths, runner) and any(p.name in _timers() for p in present):
        result.systemctl.append(_systemctl(runner, "disable", "--now", *_timers()))
    result.removed = _remove(present)
    if _live_systemd(paths, runner) and result.removed:
        result.systemctl.append(_systemctl(runner, "daemon-reload"))
    result.installed = _installed(paths)
    return result


def _remove(files: list[Path]) -> list[str]:
    removed = []
    for path in files:
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise disk_error(exc, path) from None
        removed.append(str(path))
    return removed
