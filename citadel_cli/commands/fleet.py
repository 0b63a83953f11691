"""`citadel-llm fleet plan|deploy|status|diagnose|maintenance|export`: many hosts over SSH with Ansible."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from citadel_cli.context import AppContext, app_context
from citadel_cli.errors import CitadelError, UsageError
from citadel_cli.options import JsonOpt, YesOpt

fleet_app = typer.Typer(help="Many hosts behind one gateway: each host's citadel-llm driven over SSH by "
                        "Ansible, from the config's hosts section.", no_args_is_help=True)
export_app = typer.Typer(help="Write the fleet for other tools: Ansible, Kubernetes (Helm).", no_args_is_help=True)

LimitOpt = Annotated[list[str] | None, typer.Option(
    "--limit", "-l", help="Only these hosts (repeat, or comma-separate).", show_default=False)]
DirArg = Annotated[Path, typer.Argument(help="Directory to write into (created if missing).")]


class Routine(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


def register(app: typer.Typer) -> None:
    fleet_app.add_typer(export_app, name="export")
    app.add_typer(fleet_app, name="fleet")


def _limit(values: list[str] | None) -> list[str] | None:
    hosts = [h.strip() for v in values or [] for h in v.split(",") if h.strip()]
    return hosts or None


def _fleet(ctx: typer.Context, json_mode: bool) -> tuple[AppContext, dict]:
    from citadel_cli.fleet.hosts import read_file_data

    app = app_context(ctx, json_mode)
    return app, read_file_data(app.loaded.source)


def _workdir(app: AppContext) -> Path:
    return app.paths.state / "fleet"


def _finish(app: AppContext, result) -> None:  # noqa: ANN001 - a FleetResult
    from citadel_cli.views.fleet import fleet_view

    app.out.result(result, fleet_view)
    if not result.ok:
        raise typer.Exit(1)


@fleet_app.command("plan")
def plan(ctx: typer.Context, json_mode: JsonOpt = False) -> None:
    """Which host runs what, the gateway's replicas per model, each host's config checked; no SSH."""
    from citadel_cli.fleet.service import plan as make_plan
    from citadel_cli.views.fleet import plan_view

    app, data = _fleet(ctx, json_mode)
    app.out.result(make_plan(app.config, data), plan_view)


@fleet_app.command("deploy")
def deploy(ctx: typer.Context, limit: LimitOpt = None, yes: YesOpt = False, json_mode: JsonOpt = False) -> None:
    """Rolling deploy: one host at a time, drained from the gateway, its own `citadel-llm deploy` with its
    models, then back in rotation. Stops at the first host that fails."""
    from citadel_cli.fleet.service import deploy as fleet_deploy

    app, data = _fleet(ctx, json_mode)
    if not yes:
        if not app.out.interactive:
            raise UsageError("fleet deploy changes every host; not asking without a terminal", hint="pass --yes")
        if not typer.confirm("fleet deploy changes every host of the fleet. Go on?", err=True):
            raise typer.Exit(1)
    result = fleet_deploy(app.config, data, app.runner, _workdir(app), limit=_limit(limit))
    _finish(app, result)


@fleet_app.command("status")
def status(ctx: typer.Context, limit: LimitOpt = None, json_mode: JsonOpt = False) -> None:
    """Every host's services, and the gateway's view of every replica (a host whose backends all fail
    its health checks is reported down)."""
    from citadel_cli.fleet.service import run_on_hosts

    app, data = _fleet(ctx, json_mode)
    _finish(app, run_on_hosts(app.config, data, app.runner, _workdir(app), "status", ["status"],
                              limit=_limit(limit), targets=True))


@fleet_app.command("diagnose")
def diagnose(ctx: typer.Context, limit: LimitOpt = None, json_mode: JsonOpt = False) -> None:
    """`citadel-llm diagnose` on every host; one verdict line per host."""
    from citadel_cli.fleet.service import run_on_hosts

    app, data = _fleet(ctx, json_mode)
    _finish(app, run_on_hosts(app.config, data, app.runner, _workdir(app), "diagnose", ["diagnose"],
                              limit=_limit(limit)))


@fleet_app.command("maintenance")
def maintenance(ctx: typer.Context, routine: Annotated[Routine, typer.Argument(help="daily, weekly or monthly.")],
                limit: LimitOpt = None, json_mode: JsonOpt = False) -> None:
    """Run a maintenance routine on every host at once."""
    from citadel_cli.fleet.service import run_on_hosts

    app, data = _fleet(ctx, json_mode)
    _finish(app, run_on_hosts(app.config, data, app.runner, _workdir(app), "maintenance",
                              ["maintenance", routine.value], limit=_limit(limit)))


@export_app.command("ansible")
def export_ansible(ctx: typer.Context, directory: DirArg, json_mode: JsonOpt = False) -> None:
    """Inventory, playbooks (deploy.yml: the rolling deploy; run.yml: any command) and each host's config."""
    from citadel_cli.fleet.hosts import host_configs
    from citadel_cli.fleet.inventory import write_bundle
    from citadel_cli.views.fleet import bundle_line

    app, data = _fleet(ctx, json_mode)
    app.out.result(write_bundle(app.config, host_configs(app.config, data), directory), bundle_line)


@export_app.command("kubernetes")
def export_kubernetes(ctx: typer.Context, directory: DirArg, json_mode: JsonOpt = False) -> None:
    """Helm values for the vLLM production-stack chart: the same models, resources and replicas."""
    from citadel_cli.fleet.export_k8s import write_values
    from citadel_cli.views.fleet import k8s_view

    app = app_context(ctx, json_mode)
    if not app.config.enabled_models():
        raise CitadelError("no enabled model to export", hint="enable a model in the config")
    app.out.result(write_values(app.config, directory), k8s_view)
