"""Options shared by several commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from citadel_cli.config import Backend, Profile

JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON on stdout, nothing else.")]
ModelsArg = Annotated[
    list[str] | None, typer.Argument(help="Model keys (default: every enabled model).", show_default=False)
]
AllOpt = Annotated[bool, typer.Option("--all", help="Every enabled model.")]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="Show what would be done; change nothing.")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
ProfileOpt = Annotated[
    Profile | None, typer.Option("--profile", help="production (systemd, /opt) or local (user dir, no root).")
]
BackendOpt = Annotated[
    Backend | None, typer.Option("--backend", help="Service backend: auto, systemd or supervisor.")
]
RootOpt = Annotated[
    Path | None, typer.Option("--root", help="Stage every path under this directory.", show_default=False)
]
