"""`citadel-llm gateway run|status|drain|undrain`."""

from __future__ import annotations

from typing import Annotated

import typer

from citadel_cli.context import app_context
from citadel_cli.options import JsonOpt

gateway_app = typer.Typer(help="Serve the OpenAI-compatible gateway and steer a running one.", no_args_is_help=True)

ModelArg = Annotated[str, typer.Argument(help="Model key (or alias) of the backend.")]
IndexArg = Annotated[int, typer.Argument(help="Backend index within the model (see `gateway status`).")]
UrlOpt = Annotated[str | None, typer.Option("--url", help="Gateway base URL (default: from the config).")]


def register(app: typer.Typer) -> None:
    app.add_typer(gateway_app, name="gateway")


@gateway_app.command("run")
def run(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option("--host", help="Bind address (default: gateway.host).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Listen port (default: gateway.port).")] = None,
) -> None:
    """Serve the gateway in the foreground (uvicorn, uvloop, httptools) until SIGTERM, then drain."""
    from gateway.control import run_gateway

    app = app_context(ctx)
    run_gateway(app.config, app.paths, host=host, port=port)


@gateway_app.command("status")
def status(ctx: typer.Context, url: UrlOpt = None, json_mode: JsonOpt = False) -> None:
    """Every backend of a running gateway: health, breaker, in-flight requests, last error."""
    from citadel_cli.views import gateway as views
    from gateway.control import gateway_get

    app = app_context(ctx, json_mode)
    app.out.result(gateway_get(app.config, url, "/servers/status"), views.servers_table)


@gateway_app.command("drain")
def drain(ctx: typer.Context, model: ModelArg, index: IndexArg, url: UrlOpt = None,
          wait: Annotated[float, typer.Option("--wait", help="Seconds to wait for in-flight requests.")] = 0.0,
          json_mode: JsonOpt = False) -> None:
    """Take one backend out of rotation (before restarting it)."""
    from citadel_cli.views import gateway as views
    from gateway.control import gateway_post

    app = app_context(ctx, json_mode)
    result = gateway_post(app.config, url, f"/admin/backends/{model}/{index}/drain?wait_s={wait}")
    app.out.result(result, views.backend_line)


@gateway_app.command("undrain")
def undrain(ctx: typer.Context, model: ModelArg, index: IndexArg, url: UrlOpt = None,
            json_mode: JsonOpt = False) -> None:
    """Put a drained backend back in rotation (after its health check passes)."""
    from citadel_cli.views import gateway as views
    from gateway.control import gateway_post

    app = app_context(ctx, json_mode)
    app.out.result(gateway_post(app.config, url, f"/admin/backends/{model}/{index}/undrain"), views.backend_line)
