"""`citadel-llm deploy` and `citadel-llm down`."""

from __future__ import annotations

from typing import Annotated

import typer

from citadel_cli.context import app_context
from citadel_cli.errors import CitadelError, UsageError
from citadel_cli.options import DryRunOpt, JsonOpt, ModelsArg, ProfileOpt, YesOpt

RollingOpt = Annotated[bool, typer.Option(
    "--rolling", help="Restart running models one at a time, out of the gateway's rotation: no request fails.")]


def register(app: typer.Typer) -> None:
    app.command("deploy")(deploy)
    app.command("down")(down)


def deploy(ctx: typer.Context, models: ModelsArg = None, profile: ProfileOpt = None, dry_run: DryRunOpt = False,
           yes: YesOpt = False, rolling: RollingOpt = False, json_mode: JsonOpt = False) -> None:
    """Install, pull what is missing, check, start and wait until every model answers; then a summary."""
    from citadel_cli.config import Profile
    from citadel_cli.deploy.pipeline import Deployment
    from citadel_cli.deploy.session import deploy_context
    from citadel_cli.views.deploy import deploy_summary
    from citadel_cli.views.status import Progress

    app = deploy_context(app_context(ctx, json_mode), profile)
    if app.config.profile is Profile.production and not (dry_run or yes):
        _confirm(app, "deploy changes this host: users, files under /opt and /etc, services")
    with Progress(app.out.err) as progress:
        result = Deployment(app, models, dry_run, rolling=rolling, on_event=progress.update).run()
    app.out.result(result, deploy_summary)
    if not result.ok:
        raise CitadelError(f"deploy stopped at step '{result.failed_step}': {result.error}", hint=result.hint)


def down(ctx: typer.Context, yes: YesOpt = False,
         keep_data: Annotated[bool, typer.Option("--keep-data", help="Stop, but keep the state dir.")] = False,
         json_mode: JsonOpt = False) -> None:
    """Stop a local deployment and remove it (its whole state directory)."""
    from citadel_cli.config import Profile
    from citadel_cli.deploy.session import deploy_context, take_down
    from citadel_cli.views.deploy import down_line

    app = deploy_context(app_context(ctx, json_mode), Profile.local)
    if not (yes or keep_data):
        _confirm(app, "down stops every service and deletes the local deployment's files")
    result = take_down(app, keep_data=keep_data)
    app.out.result(result, down_line)
    if not result.ok:
        raise CitadelError("some services did not stop", hint="see `citadel-llm status`")


def _confirm(app, what: str) -> None:  # noqa: ANN001 - AppContext
    if not app.out.interactive:
        raise UsageError(f"{what}; not asking without a terminal", hint="pass --yes")
    if not typer.confirm(f"{what}. Go on?", err=True):
        raise typer.Exit(1)
