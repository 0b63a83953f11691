"""`citadel-llm models …`: the models of the deployment and their weights."""

from __future__ import annotations

import typer

from citadel_cli.context import app_context
from citadel_cli.options import JsonOpt

models_app = typer.Typer(help="List, pull, verify, import and remove model weights.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


@models_app.command("list")
def list_models(ctx: typer.Context, json_mode: JsonOpt = False) -> None:
    """The configured models."""
    from citadel_cli.views.config import models_table

    app = app_context(ctx, json_mode)
    config = app.config
    app.out.result(list(config.models.values()), lambda _: models_table(config))
