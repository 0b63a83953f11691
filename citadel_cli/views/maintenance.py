"""Tables and lines for `citadel-llm maintenance`."""

from __future__ import annotations

from rich.table import Table

from citadel_cli.maintenance.models import History, RunReport
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
