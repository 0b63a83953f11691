"""Tables and lines for `citadel-llm maintenance`."""

from __future__ import annotations

from rich.table import Table

from citadel_cli.maintenance.models import History, RunReport
from citadel_cli.maintenance.schedule import ScheduleResult
from citadel_cli.render import level, table


def report_table(report: RunReport) -> list:
    if report.already_running:
        return [report.summary_line()]
    rows = [(j.name, level(j.status.value), j.summary, f"{j.duration_s:.1f} s") for j in report.jobs]
    title = f"maintenance {report.routine} — {report.status.value}"
    footer = f"report: {report.report_file}" if report.report_file else ""
    return [table(title, ("job", "status", "summary", "took"), rows), footer]


def history_table(hist: History) -> Table:
    rows = [(e.started.strftime("%Y-%m-%d %H:%M:%S"), e.routine, level(e.status.value), f"{e.duration_s:.1f} s",
             "; ".join(e.problems)) for e in hist.entries]
    return table("Maintenance history", ("started (UTC)", "routine", "status", "took", "problems"), rows)


def schedule_table(result: ScheduleResult) -> list:
    cron = result.kind == "cron"
    rows = [(e.routine, e.on_calendar, e.cron if cron else e.timer, e.next_run or "unknown") for e in result.entries]
    columns = ("routine", "OnCalendar", "cron fields" if cron else "timer", "next run")
    out: list = [table(f"Maintenance schedule ({result.kind})", columns, rows)]
    out += [f"wrote {p}" for p in result.written] + [f"removed {p}" for p in result.removed]
    out += [f"ran {c}" for c in result.systemctl]
    out.append("installed: " + (", ".join(result.installed) or "nothing"))
    return out + [f"note: {n}" for n in result.notes]
