"""`citadel-llm start|stop|restart|status|logs`: the services of the deployment."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from citadel_cli.context import app_context
from citadel_cli.errors import HostError
from citadel_cli.options import BackendOpt, JsonOpt

TargetsArg = Annotated[list[str] | None, typer.Argument(
    help="Model keys, 'gateway' or 'all' (default: all).", show_default=False)]
TargetArg = Annotated[str, typer.Argument(help="A model key or 'gateway'.", show_default=False)]


def register(app: typer.Typer) -> None:
    for name, func in (("start", start), ("stop", stop), ("restart", restart), ("status", status),
                       ("logs", logs)):
        app.command(name)(func)


def _run_action(ctx: typer.Context, action: str, targets: list[str] | None, backend, json_mode: bool) -> None:
    from citadel_cli import lifecycle
    from citadel_cli.views import status as views

    app = app_context(ctx, json_mode)
    manager = lifecycle.manager_for(app, backend)
    func = {"start": lifecycle.start_services, "stop": lifecycle.stop_services,
            "restart": lifecycle.restart_services}[action]
    with views.Progress(app.out.err) as progress:
        result = func(app.config, app.paths, targets, manager=manager, on_event=progress.update)
    app.out.result(result, views.result_table)
    if not result.ok:
        first = result.failures[0]
        raise HostError(first.error or f"{first.unit} failed",
                        hint=f"see `citadel-llm logs {first.name}` and `citadel-llm status`")


def start(ctx: typer.Context, targets: TargetsArg = None, backend: BackendOpt = None,
          json_mode: JsonOpt = False) -> None:
    """Start the engines (in parallel, until each answers a real completion), then the gateway."""
    _run_action(ctx, "start", targets, backend, json_mode)


def stop(ctx: typer.Context, targets: TargetsArg = None, backend: BackendOpt = None,
         json_mode: JsonOpt = False) -> None:
    """Stop the gateway first (it drains in-flight requests), then the engines."""
    _run_action(ctx, "stop", targets, backend, json_mode)


def restart(ctx: typer.Context, targets: TargetsArg = None, backend: BackendOpt = None,
            rolling: Annotated[bool, typer.Option("--rolling", help="One model at a time, out of the gateway's "
                                                  "rotation (with a temporary replica when it has one server): "
                                                  "no request fails.")] = False,
            json_mode: JsonOpt = False) -> None:
    """Stop, then start again and wait until ready."""
    if rolling:
        _rolling(ctx, targets, backend, json_mode)
        return
    _run_action(ctx, "restart", targets, backend, json_mode)


def _rolling(ctx: typer.Context, targets: list[str] | None, backend, json_mode: bool) -> None:
    from citadel_cli import lifecycle
    from citadel_cli.deploy.rolling import rolling_restart
    from citadel_cli.views.deploy import rolling_table
    from citadel_cli.views.status import Progress

    app = app_context(ctx, json_mode)
    keys = [t for t in targets or [] if t not in ("all", "gateway")] or None
    with Progress(app.out.err) as progress:
        result = rolling_restart(app.config, app.paths, lifecycle.manager_for(app, backend), keys,
                                 runner=app.runner, on_event=progress.update)
    app.out.result(result, rolling_table)
    if not result.ok:
        failed = next(m for m in result.models if not m.ok)
        raise HostError(f"rolling restart stopped at {failed.model}: {failed.detail}",
                        hint=f"see `citadel-llm logs {failed.model}`")


def status(
    ctx: typer.Context,
    targets: TargetsArg = None,
    backend: BackendOpt = None,
    watch: Annotated[bool, typer.Option("--watch", "-w", help="Refresh every --interval seconds.")] = False,
    interval: Annotated[float, typer.Option("--interval", min=0.5, help="Seconds between refreshes.")] = 2.0,
    json_mode: JsonOpt = False,
) -> None:
    """State, pid, uptime, restarts, memory, CPU, port, live /health and readiness of each service."""
    from citadel_cli import lifecycle
    from citadel_cli.views import status as views

    app = app_context(ctx, json_mode)
    manager = lifecycle.manager_for(app, backend)
    if not watch:
        app.out.result(lifecycle.service_status(app.config, app.paths, targets, manager=manager),
                       views.status_table)
        return
    if app.out.json_mode:
        raise HostError("--watch shows a live table", hint="use --json without --watch, in a loop of your own")
    _watch(app, manager, targets, interval)


def _watch(app, manager, targets: list[str] | None, interval: float) -> None:
    from rich.live import Live

    from citadel_cli import lifecycle
    from citadel_cli.views import status as views

    def render():
        return views.status_table(lifecycle.service_status(app.config, app.paths, targets, manager=manager))

    try:
        with Live(render(), console=app.out.console, auto_refresh=False) as live:
            while True:
                time.sleep(interval)  # the refresh period of a watch, not a wait for a condition
                live.update(render(), refresh=True)
    except KeyboardInterrupt:
        return


def logs(
    ctx: typer.Context,
    target: TargetArg,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Keep printing new lines.")] = False,
    lines: Annotated[int, typer.Option("--lines", "-n", min=0, help="How many recent lines.")] = 50,
    since: Annotated[str | None, typer.Option("--since", help="Only lines since this time "
                     "('2024-05-01 10:00', '10m', '2 hours ago').", show_default=False)] = None,
    backend: BackendOpt = None,
) -> None:
    """The service's output: its journal (systemd) or its log file (supervisor)."""
    import sys

    from citadel_cli import lifecycle

    app = app_context(ctx)
    manager = lifecycle.manager_for(app, backend)
    try:
        for line in lifecycle.service_logs(app.config, app.paths, target, lines=lines, since=since,
                                           follow=follow, manager=manager):
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
    except KeyboardInterrupt:
        return
