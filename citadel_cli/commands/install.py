"""`citadel-llm install` and `citadel-llm uninstall`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citadel_cli.context import AppContext, app_context
from citadel_cli.options import DryRunOpt, JsonOpt, RootOpt, YesOpt

NoEngineOpt = Annotated[bool, typer.Option("--no-engine", help="Skip creating the engine venv (vLLM).")]
VerboseOpt = Annotated[int, typer.Option("--verbose", "-v", count=True, help="Show a diff of every changed file.")]


def register(app: typer.Typer) -> None:
    app.command("install")(install)
    app.command("uninstall")(uninstall)


def _with_root(app: AppContext, root: Path | None) -> AppContext:
    # `install --root DIR` is the global `--root DIR`, given after the command name.
    if root is not None:
        app.root = root.resolve()
    return app


def _confirm(app: AppContext, yes: bool, question: str) -> None:
    from citadel_cli.errors import UsageError

    if yes:
        return
    if not app.out.interactive:
        raise UsageError("no terminal to confirm on", hint="pass --yes to apply without asking")
    if not typer.confirm(question, default=False):
        raise typer.Exit(1)


def install(
    ctx: typer.Context,
    root: RootOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    no_engine: NoEngineOpt = False,
    schedule: Annotated[str, typer.Option("--schedule", help="Maintenance schedule: timers (systemd), "
                                          "cron (/etc/cron.d) or none.")] = "timers",
    verbose: VerboseOpt = 0,
    json_mode: JsonOpt = False,
) -> None:
    """Install users, directories, config, env files, units, logrotate and schedule (shows a plan first)."""
    from citadel_cli.errors import UsageError
    from citadel_cli.install.apply import apply_install
    from citadel_cli.install.plan import InstallOptions, plan_install
    from citadel_cli.install.schedule import ScheduleKind
    from citadel_cli.views import install as views

    app = _with_root(app_context(ctx, json_mode), root)
    if schedule not in ScheduleKind.__members__:
        raise UsageError(f"unknown schedule {schedule!r}", hint="use timers, cron or none")
    options = InstallOptions(schedule=ScheduleKind(schedule), engine=not no_engine,
                             diff=verbose + app.out.verbosity > 0)
    plan = plan_install(app.config, app.paths, options)
    if dry_run:
        app.out.result(plan, views.plan_view)
        return
    if not app.json_mode:
        app.out.result(plan, views.plan_view)
    if plan.changes or any(s.action == "run" for s in plan.steps):
        _confirm(app, yes, "Apply this plan?")
    app.out.result(apply_install(plan, app.runner, app.paths), views.result_view)


def uninstall(
    ctx: typer.Context,
    root: RootOpt = None,
    purge: Annotated[bool, typer.Option("--purge", help="Also remove models, backups, reports, API keys "
                                        "and an edited config.")] = False,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    json_mode: JsonOpt = False,
) -> None:
    """Remove exactly what install created (models and backups only with --purge)."""
    from citadel_cli.install.uninstall import apply_uninstall, plan_uninstall
    from citadel_cli.views import install as views

    app = _with_root(app_context(ctx, json_mode), root)
    plan = plan_uninstall(app.paths, purge)
    if dry_run:
        app.out.result(plan, views.uninstall_plan_view)
        return
    if not app.json_mode:
        app.out.result(plan, views.uninstall_plan_view)
    _confirm(app, yes, "Remove these files?")
    app.out.result(apply_uninstall(plan, app.runner), views.uninstall_result_view)
