"""`citadel-llm keys create|list|revoke`: API keys of the gateway (only salted hashes are stored)."""

from __future__ import annotations

from typing import Annotated

import typer

from citadel_cli.context import app_context
from citadel_cli.options import JsonOpt

keys_app = typer.Typer(help="Create, list and revoke the gateway's API keys.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def create(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Who or what the key is for.")],
           json_mode: JsonOpt = False) -> None:
    """Create a key and print it once: it cannot be shown again."""
    from citadel_cli.views import gateway as views
    from gateway.control import create_key

    app = app_context(ctx, json_mode)
    app.out.result(create_key(app.paths, name), views.created_key)


@keys_app.command("list")
def list_keys(ctx: typer.Context, json_mode: JsonOpt = False) -> None:
    """Every key: id, name, created, last used, revoked (never the key)."""
    from citadel_cli.views import gateway as views
    from gateway.control import list_keys as service

    app = app_context(ctx, json_mode)
    app.out.result(service(app.paths), views.keys_table)


@keys_app.command("revoke")
def revoke(ctx: typer.Context, key: Annotated[str, typer.Argument(help="Key id or name.")],
           json_mode: JsonOpt = False) -> None:
    """Revoke a key; a running gateway refuses it within a second."""
    from gateway.control import revoke_key

    app = app_context(ctx, json_mode)
    app.out.result(revoke_key(app.paths, key), lambda r: f"revoked {r['revoked']}")
