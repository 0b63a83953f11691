"""How a DiagnoseReport is shown: the verdict line, then findings by severity with evidence and fix."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from citadel_cli.checks.findings import Level
from citadel_cli.diagnose.model import DiagnoseReport
from citadel_cli.render import level

VERDICT_STYLE = {True: "bold green", False: "bold red"}


def diagnose_view(report: DiagnoseReport, verbosity: int = 0) -> list:
    style = "bold yellow" if report.ok and report.counts["warn"] else VERDICT_STYLE[report.ok]
    out: list = [f"[{style}]{escape(report.verdict)}[/] [dim]({report.seconds:.2f} s)[/]"]
    # Passing findings are noise while something is broken; -v shows them.
    shown = [f for f in report.findings if f.level is not Level.ok or verbosity >= 1 or report.ok]
    if shown:
        out.append(_table(shown))
    hidden = len(report.findings) - len(shown)
    if hidden:
        out.append(f"[dim]{hidden} passing check(s) not shown (-v shows them)[/]")
    return out


def _table(findings: list) -> Table:
    tbl = Table(header_style="bold", show_lines=True)
    for column in ("level", "check", "model", "found", "fix"):
        tbl.add_column(column, no_wrap=column in ("level", "check"), overflow="fold")
    for f in findings:
        found = escape(f.summary) + "".join(f"\n[dim]{escape(e)}[/]" for e in f.evidence)
        tbl.add_row(level(f.level.value), f.id, f.model or "", found, escape(f.fix or ""))
    return tbl
