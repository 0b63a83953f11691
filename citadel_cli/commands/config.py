"""`citadel-llm config show|validate|init`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citadel_cli.context import app_context
from citadel_cli.options import JsonOpt, ProfileOpt

config_app = typer.Typer(help="Show, validate and create the configuration.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")


@config_app.command("show")
def show(ctx: typer.Context, json_mode: JsonOpt = False) -> None:
    """Show the effective configuration (defaults, file and environment merged)."""
    from citadel_cli.views import config as views

    app = app_context(ctx, json_mode)
    loaded = app.loaded
    app.out.result(loaded.config, lambda cfg: views.config_tables(cfg, loaded.source))


@config_app.command("validate")
def validate(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The YAML file to check.")],
    json_mode: JsonOpt = False,
) -> None:
    """Check a config file; exit 2 with the file, line and field at fault when it is invalid."""
    from citadel_cli.config_loader import load_config

    app = app_context(ctx, json_mode)
    loaded = load_config(file, app.root)
    summary = {"file": str(file), "valid": True, "models": list(loaded.config.models),
               "profile": loaded.config.profile.value}
    app.out.result(summary, lambda s: f"{s['file']}: valid ({len(s['models'])} models, {s['profile']} profile)")


@config_app.command("init")
def init(
    ctx: typer.Context,
    profile: ProfileOpt = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Where to write "
                      "(default: the config path of the profile).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    json_mode: JsonOpt = False,
) -> None:
    """Write a commented YAML config with every default."""
    from citadel_cli.config_service import init_config

    app = app_context(ctx, json_mode).with_profile(profile)
    written = init_config(app.config, output or app.paths.config_file, force=force)
    app.out.result(written, lambda w: f"wrote {w['path']} ({w['profile']} profile)")
