"""`citadel-llm check`: will these models start here, and if not, exactly why."""

from __future__ import annotations

from typing import Annotated

import typer

from citadel_cli.context import AppContext, app_context
from citadel_cli.options import AllOpt, JsonOpt, ModelsArg

PreStartOpt = Annotated[bool, typer.Option(
    "--pre-start", help="What a unit's ExecStartPre= runs: silent when the model can start, else the "
    "failures on stderr and exit 1.")]


def register(app: typer.Typer) -> None:
    app.command("check")(check)


def check(ctx: typer.Context, models: ModelsArg = None, all_models: AllOpt = False,
          pre_start: PreStartOpt = False, json_mode: JsonOpt = False) -> None:
    """Pre-start checks: config, model files, memory fit, disk, ports, CPU, engine, directories.

    Exit 1 when any check fails; every failure names its fix.
    """
    from citadel_cli.checks.runner import check_command
    from citadel_cli.errors import UsageError

    app = app_context(ctx, json_mode)
    if pre_start and (all_models or len(models or []) != 1):
        raise UsageError("--pre-start takes exactly one model key",
                         hint="e.g. `citadel-llm check --pre-start hermes-2`")
    if all_models and models:
        raise UsageError("name models or use --all, not both")
    report = check_command(lambda: _load(app), None if all_models else models, pre_start=pre_start)
    _show(app, report, pre_start)
    if not report.ok:
        raise typer.Exit(1)


def _load(app: AppContext):  # -> (config, paths, source): the loader's ConfigError becomes a finding
    return app.config, app.paths, app.loaded.source


def _show(app: AppContext, report, pre_start: bool) -> None:  # noqa: ANN001 - CheckReport, imported lazily
    from citadel_cli.views import checks as views

    if pre_start and not app.json_mode:
        for line in views.journal_lines(report):
            typer.echo(line, err=True)
        return
    app.out.result(report, views.checks_table)
