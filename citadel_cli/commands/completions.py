"""`citadel-llm completions show|install`."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from citadel_cli.context import app_context
from citadel_cli.options import JsonOpt

completions_app = typer.Typer(help="Shell completions for bash, zsh and fish.", no_args_is_help=True)


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


ShellArg = Annotated[Shell | None, typer.Argument(help="bash, zsh or fish (default: from $SHELL).")]


def register(app: typer.Typer) -> None:
    app.add_typer(completions_app, name="completions")


@completions_app.command("show")
def show(ctx: typer.Context, shell: ShellArg = None) -> None:
    """Print the completion script."""
    from citadel_cli.completions_service import detect_shell, script_text

    typer.echo(script_text(shell or detect_shell()), nl=False)


@completions_app.command("install")
def install(ctx: typer.Context, shell: ShellArg = None, json_mode: JsonOpt = False) -> None:
    """Install the completion script for the current user."""
    from citadel_cli.completions_service import detect_shell, install_completion

    app = app_context(ctx, json_mode)
    result = install_completion(shell or detect_shell())
    app.out.result(result, lambda r: f"installed {r.shell} completion: {r.path}\n{r.note}".rstrip())
