"""`citadel-llm maintenance daily|weekly|monthly|history|schedule`: made for cron and timers."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from citadel_cli.context import AppContext, app_context
from citadel_cli.maintenance.models import Routine
from citadel_cli.options import JsonOpt


class ScheduleAction(StrEnum):
    install = "install"
    show = "show"
    remove = "remove"


maintenance_app = typer.Typer(help="Daily, weekly and monthly routines for cron or systemd timers.",
                              no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(maintenance_app, name="maintenance")


def _job_context(app: AppContext):
    from citadel_cli.maintenance.context import JobContext

    return JobContext(config=app.config, paths=app.paths, runner=app.runner, config_file=app.loaded.source)


def _run(ctx: typer.Context, routine: str, json_mode: bool) -> None:
    from citadel_cli.maintenance.service import run
    from citadel_cli.views.maintenance import report_table

    app = app_context(ctx, json_mode)
    report = run(routine, _job_context(app))
    if app.out.json_mode:
        app.out.json(report)
    elif app.out.interactive:
        app.out.result(report, report_table)
    else:
        app.out.info(report.summary_line())  # cron mail and journal: one line, no colour
    if report.status == "fail":
        raise typer.Exit(1)


@maintenance_app.command("daily")
def daily(ctx: typer.Context, json_mode: JsonOpt = False) -> None:
    """Health of every service, the watchdog, disk space, log errors, request statistics."""
    _run(ctx, "daily", json_mode)


@maintenance_app.command("weekly")
def weekly(ctx: typer.Context, json_mode: JsonOpt = False) -> None:
    """Log compression and retention, config backup, deep model verification, performance check."""
    _run(ctx, "weekly", json_mode)


@maintenance_app.command("monthly")
def monthly(ctx: typer.Context, json_mode: JsonOpt = False) -> None:
    """Capacity trends, security audit, available updates."""
    _run(ctx, "monthly", json_mode)


@maintenance_app.command("history")
def history(
    ctx: typer.Context,
    routine: Annotated[Routine | None, typer.Option("--routine", help="Only this routine's runs.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Most recent runs shown.")] = 50,
    json_mode: JsonOpt = False,
) -> None:
    """Past runs, read back from their reports."""
    from citadel_cli.maintenance.service import read_history
    from citadel_cli.views.maintenance import history_table

    app = app_context(ctx, json_mode)
    app.out.result(read_history(_job_context(app), routine and routine.value, limit), history_table)


@maintenance_app.command("schedule")
def schedule(
    ctx: typer.Context,
    action: Annotated[ScheduleAction, typer.Argument(help="install, show or remove.")] = ScheduleAction.show,
    cron: Annotated[bool, typer.Option("--cron", help="The /etc/cron.d file instead of systemd timers.")] = False,
    json_mode: JsonOpt = False,
) -> None:
    """Install, show or remove the schedule: systemd timers by default, or the cron file."""
    from citadel_cli.maintenance import schedule as sched
    from citadel_cli.views.maintenance import schedule_table

    app = app_context(ctx, json_mode)
    do = {ScheduleAction.install: sched.install_schedule, ScheduleAction.show: sched.show_schedule,
          ScheduleAction.remove: sched.remove_schedule}[action]
    app.out.result(do(app.config, app.paths, app.runner, cron), schedule_table)
