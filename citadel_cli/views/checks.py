"""How a CheckReport is shown: a table for people, plain lines for the journal."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from citadel_cli.checks.findings import CheckReport, Level
from citadel_cli.render import level

_ORDER = {Level.fail: 0, Level.warn: 1, Level.ok: 2}


def checks_table(report: CheckReport) -> list:
    tbl = Table(title="Checks", title_justify="left", header_style="bold")
    for column in ("level", "check", "model", "found", "fix"):
        tbl.add_column(column, no_wrap=column in ("level", "check", "model"), overflow="fold")
    for finding in report.findings:
        tbl.add_row(level(finding.level.value), finding.id, finding.model or "",
                    escape(finding.summary), escape(finding.fix or ""))
    counts = report.counts
    verdict = "[green]all checks passed[/]" if report.ok else "[bold red]some checks failed[/]"
    summary = f"{verdict}: {counts['fail']} fail, {counts['warn']} warn, {counts['ok']} ok"
    return [tbl, summary]


def journal_lines(report: CheckReport, levels: tuple[Level, ...] = (Level.fail,)) -> list[str]:
    """One plain line per finding of `levels`, failures first: what ExecStartPre= leaves in the journal."""
    chosen = [f for f in report.findings if f.level in levels]
    return [f.line() for f in sorted(chosen, key=lambda f: _ORDER[f.level])]
