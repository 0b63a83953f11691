"""The maintenance schedule: systemd timers (the default) or an equivalent /etc/cron.d file.

`render_schedule(config, paths, kind)` is what `install` writes and what
`maintenance schedule install|show|remove` can call: it returns staged path -> file text.
Only one kind is installed at a time, or every routine would run twice.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

from citadel_cli.config import CitadelConfig
from citadel_cli.paths import Paths
from citadel_cli.services import service_python
from citadel_cli.units import (
    CRON_FILE,
    INSTANCE,
    MAINTENANCE_TEMPLATE,
    ROUTINES,
    calendar,
    exec_line,
    identifier,
    render_template,
    sandbox,
    unit_path,
    unsafe_value,
)


class ScheduleKind(StrEnum):
    timers = "timers"
    cron = "cron"
    none = "none"


def timer_name(routine: str) -> str:
    return f"citadel-llm-maintenance-{routine}.timer"


def _maintenance_argv(config: CitadelConfig, paths: Paths, routine: str) -> list[str]:
    return [str(service_python(config, paths)), "-m", "citadel_cli", "maintenance", routine]


def maintenance_service(config: CitadelConfig, paths: Paths) -> str:
    """citadel-llm-maintenance@.service: one oneshot run of `maintenance %i` in the services' sandbox."""
    argv = _maintenance_argv(config, paths, INSTANCE)
    writable = [paths.models, paths.backups, paths.reports, paths.logs, paths.state]
    return render_template(
        MAINTENANCE_TEMPLATE,
        config_file=unit_path("paths.etc_dir", paths.host_path(paths.config_file)),
        exec_start=exec_line("service.python", argv, key=INSTANCE),
        **sandbox(config, paths, writable),
    )


def render_timers(config: CitadelConfig, paths: Paths) -> dict[Path, str]:
    files = {paths.systemd / MAINTENANCE_TEMPLATE: maintenance_service(config, paths)}
    for routine in ROUTINES:
        when = calendar(f"maintenance.{routine}", getattr(config.maintenance, routine))
        files[paths.systemd / timer_name(routine)] = render_template(
            "citadel-llm-maintenance.timer", routine=routine, on_calendar=when)
    return files


def render_cron(config: CitadelConfig, paths: Paths) -> dict[Path, str]:
    user = identifier("service.user", config.service.user)
    lines = []
    for routine in ROUTINES:
        field = f"maintenance.{routine}"
        when = on_calendar_to_cron(field, calendar(field, getattr(config.maintenance, routine)))
        # cron hands the line to /bin/sh: unit_path() already refused whitespace, quotes, '$', ';', '%'.
        command = " ".join(unit_path("service.python", w) if i == 0 else w
                           for i, w in enumerate(_maintenance_argv(config, paths, routine)))
        lines.append(f"{when} {user} {command}")
    config_file = unit_path("paths.etc_dir", paths.host_path(paths.config_file))
    return {paths.cron / CRON_FILE: render_template("citadel-llm.cron", config_file=config_file, lines=lines)}


def render_schedule(config: CitadelConfig, paths: Paths, kind: ScheduleKind) -> dict[Path, str]:
    """The files of one schedule kind (staged path -> text); none for ScheduleKind.none."""
    if kind is ScheduleKind.timers:
        return render_timers(config, paths)
    if kind is ScheduleKind.cron:
        return render_cron(config, paths)
    return {}


def schedule_paths(paths: Paths) -> list[Path]:
    """Every file any schedule kind writes (to find and remove the kind no longer chosen)."""
    units = [paths.systemd / MAINTENANCE_TEMPLATE] + [paths.systemd / timer_name(r) for r in ROUTINES]
    return [*units, paths.cron / CRON_FILE]


# --- OnCalendar -> cron ---------------------------------------------------------------------

_DAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 0}
_NUMBER_LIST = re.compile(r"^(\*|\d{1,2}(,\d{1,2})*)$")


def on_calendar_to_cron(field: str, expression: str) -> str:
    """'[Weekdays] Y-M-D H:M[:S]' -> cron's 'minute hour day month weekday'. Only what cron can
    express (any year, whole minutes) is accepted; anything else is refused with a hint to use timers."""
    parts = expression.split()
    weekdays = "*"
    if parts and parts[0][:1].isalpha():
        weekdays = _weekdays(field, parts.pop(0), expression)
    if len(parts) != 2:
        raise _no_cron(field, expression)
    date, time = parts
    year, month, day = (date.split("-") + ["", "", ""])[:3] if date.count("-") == 2 else ("", "", "")
    hms = time.split(":")
    if year != "*" or len(hms) not in (2, 3) or (len(hms) == 3 and hms[2] not in ("0", "00")):
        raise _no_cron(field, expression)
    fields = [hms[1], hms[0], day, month]
    if not all(_NUMBER_LIST.match(f) for f in fields):
        raise _no_cron(field, expression)
    minute, hour, day, month = (",".join(str(int(x)) for x in f.split(",")) if f != "*" else f for f in fields)
    return f"{minute} {hour} {day} {month} {weekdays}"


def _weekdays(field: str, text: str, expression: str) -> str:
    out = []
    for item in text.split(","):
        ends = item.lower().split("..")
        if len(ends) > 2 or any(end[:3] not in _DAYS for end in ends):
            raise _no_cron(field, expression)
        out.append("-".join(str(_DAYS[end[:3]]) for end in ends))
    return ",".join(out)


def _no_cron(field: str, expression: str):  # -> ConfigError
    return unsafe_value(field, expression, "cron cannot express this schedule (use '[Mon..Sun] *-MM-DD HH:MM:00' "
                   "forms, or install the timers: --schedule timers)")
