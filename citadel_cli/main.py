"""Builds the `citadel-llm` Typer app: global options, then one registration per command group."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from citadel_cli import __version__
from citadel_cli.commands import bench as bench_cmd
from citadel_cli.commands import check as check_cmd
from citadel_cli.commands import completions, config
from citadel_cli.commands import deploy as deploy_cmd
from citadel_cli.commands import diagnose as diagnose_cmd
from citadel_cli.commands import engine as engine_cmd
from citadel_cli.commands import fleet as fleet_cmd
from citadel_cli.commands import gateway as gateway_cmd
from citadel_cli.commands import install as install_cmd
from citadel_cli.commands import keys as keys_cmd
from citadel_cli.commands import lifecycle as lifecycle_cmd
from citadel_cli.commands import maintenance as maintenance_cmd
from citadel_cli.commands import models as models_cmd
from citadel_cli.context import AppContext
from citadel_cli.errors import CitadelError


class CitadelGroup(TyperGroup):
    """The one place user-facing errors are shown: message and hint on stderr, exit code;
    the traceback only under --debug."""

    def invoke(self, ctx):  # noqa: ANN001, ANN201 - click's signature
        try:
            return super().invoke(ctx)
        except CitadelError as exc:
            if isinstance(ctx.obj, AppContext) and ctx.obj.debug:
                traceback.print_exc()
            for line in exc.lines():
                print(line, file=sys.stderr)
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    name="citadel-llm",
    cls=CitadelGroup,
    help="Run vLLM model servers behind one OpenAI-compatible gateway: install, deploy, check, "
    "diagnose, bench and maintain them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,  # static scripts instead: `citadel-llm completions`
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"citadel-llm {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config_file: Annotated[Path | None, typer.Option("--config", "-c", help="YAML config file "
                           "(default: $CITADEL_CONFIG, then /etc/citadel-llm/config.yaml).")] = None,
    root_dir: Annotated[Path | None, typer.Option("--root", help="Stage every path under this directory.")] = None,
    json_mode: Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")] = False,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More detail.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors and results.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of errors.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    ctx.obj = AppContext(config_file=config_file, root=root_dir, json_mode=json_mode,
                         verbosity=-1 if quiet else verbose, debug=debug)


COMMAND_GROUPS = (
    deploy_cmd, config, install_cmd, check_cmd, diagnose_cmd, models_cmd, bench_cmd, engine_cmd,
    gateway_cmd, keys_cmd, lifecycle_cmd, maintenance_cmd, fleet_cmd, completions,
)
for group in COMMAND_GROUPS:
    group.register(app)


def main() -> None:
    app()
