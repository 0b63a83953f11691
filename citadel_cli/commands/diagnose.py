"""`citadel-llm diagnose`: what is wrong with this deployment, and how to fix it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citadel_cli.context import app_context
from citadel_cli.options import BackendOpt, JsonOpt

BundleOpt = Annotated[Path | None, typer.Option(
    "--bundle", help="Also write a support bundle (config, units, status, diagnose JSON, recent logs; "
    "secrets redacted) to this .tar.gz file.", show_default=False)]
TimeoutOpt = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds each HTTP probe may take.")]


def register(app: typer.Typer) -> None:
    app.command("diagnose")(diagnose)


def diagnose(ctx: typer.Context, bundle: BundleOpt = None, backend: BackendOpt = None,
             timeout: TimeoutOpt = 2.0, json_mode: JsonOpt = False) -> None:
    """Find what is wrong: services, ports, logs, health, a test completion per model, metrics.

    Prints a verdict, then findings (failures first) with their evidence and fix. Exit 1 when any
    finding is a failure.
    """
    from citadel_cli.diagnose.service import bundle_report, run_diagnose
    from citadel_cli.lifecycle import manager_for
    from citadel_cli.views.diagnose import diagnose_view

    app = app_context(ctx, json_mode)
    report = run_diagnose(app.config, app.paths, manager_for(app, backend), runner=app.runner, timeout_s=timeout)
    if bundle is not None:
        written = bundle_report(report, app.config, app.paths, app.loaded.source, bundle)
        app.out.info(f"support bundle written: {written}")
    app.out.result(report, lambda r: diagnose_view(r, app.out.verbosity))
    if not report.ok:
        raise typer.Exit(1)
