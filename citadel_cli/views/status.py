"""Tables and the live progress display of start / stop / restart / status."""

from __future__ import annotations

import time
from datetime import timedelta

from rich.console import Console, Group
from rich.live import Live
from rich.text import Text

from citadel_cli.host.service_manager import ServiceStatus
from citadel_cli.lifecycle import StartResult
from citadel_cli.render import level, table
from citadel_cli.sizes import format_size

STATE_LEVEL = {"active": "ok", "activating": "warn", "deactivating": "warn", "reloading": "warn",
               "inactive": "skip", "failed": "fail", "not-found": "fail"}
PHASE_LEVEL = {"ready": "ok", "stopped": "ok", "failed": "fail"}


def _yes_no(value: bool | None) -> str:
    return "" if value is None else level("ok") if value else level("fail")


def _uptime(seconds: float | None) -> str:
    return "" if seconds is None else str(timedelta(seconds=int(seconds)))


def status_table(statuses: list[ServiceStatus]):
    rows = []
    for st in statuses:
        state = f"[{_style(STATE_LEVEL.get(st.state, 'warn'))}]{st.state}[/]"
        if st.sub_state and st.sub_state not in ("running", "dead"):
            state += f" ({st.sub_state})"
        rows.append((st.name, state, st.pid, _uptime(st.uptime_s), st.restarts,
                     format_size(st.rss_bytes) if st.rss_bytes else "",
                     f"{st.cpu_percent:.0f}%" if st.cpu_percent is not None else "", st.port,
                     _yes_no(st.healthy), _yes_no(st.ready), st.message or ""))
    cols = ("service", "state", "pid", "uptime", "restarts", "rss", "cpu", "port", "health", "ready", "last exit")
    backend = statuses[0].backend if statuses else "?"
    return table(f"Services ({backend})", cols, rows)


def _style(lvl: str) -> str:
    return {"ok": "green", "warn": "yellow", "fail": "bold red", "skip": "dim"}.get(lvl, "")


def result_table(result: StartResult):
    rows = [(o.name, o.unit, f"[{_style(PHASE_LEVEL.get(o.state, 'warn'))}]{o.state}[/]", f"{o.seconds:.1f} s",
             o.url if o.ok and o.url else (o.error or "")) for o in result.services]
    parts = [table(f"{result.action} ({result.backend})", ("service", "unit", "result", "time", "url / error"), rows)]
    for failed in result.failures:
        if failed.log_tail:
            parts.append(Text(f"last log lines of {failed.unit}:", style="bold"))
            parts.append(Text("\n".join(f"  {line}" for line in failed.log_tail)))
    return parts


class Progress:
    """Live per-service lines on stderr; plain lines (one per change) when stderr is not a terminal."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.rows: dict[str, tuple[str, str, float]] = {}
        self.live = Live(console=console, refresh_per_second=4, transient=False) if console.is_terminal else None

    def __enter__(self) -> Progress:
        if self.live:
            self.live.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.live:
            self.live.update(self._render(), refresh=True)
            self.live.stop()

    def update(self, name: str, phase: str, detail: str) -> None:
        previous = self.rows.get(name)
        since = previous[2] if previous and previous[0] == phase else time.monotonic()
        self.rows[name] = (phase, detail, since)
        if self.live:
            self.live.update(self._render())
        elif not previous or previous[0] != phase or phase == "failed":
            self.console.print(f"{name}: {phase}" + (f" ({detail})" if detail else ""), highlight=False)

    def _render(self) -> Group:
        lines = []
        for name, (phase, detail, _since) in self.rows.items():
            mark = {"ready": "[green]✓[/]", "stopped": "[green]✓[/]", "failed": "[red]✗[/]"}.get(phase, "[yellow]…[/]")
            lines.append(Text.from_markup(f"{mark} [bold]{name}[/] {phase} [dim]{_escape(detail)}[/]"))
        return Group(*lines)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text[:100])
