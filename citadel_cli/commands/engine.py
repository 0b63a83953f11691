"""`citadel-llm engine run|argv|sim` and `citadel-llm wait-ready`: one model server."""

from __future__ import annotations

from typing import Annotated

import typer

from citadel_cli.context import app_context
from citadel_cli.options import JsonOpt

engine_app = typer.Typer(help="Launch one model server (vLLM or the simulator).", no_args_is_help=True)

ModelArg = Annotated[str, typer.Argument(help="Model key (or alias).", show_default=False)]


def register(app: typer.Typer) -> None:
    app.add_typer(engine_app, name="engine")
    app.command("wait-ready")(wait_ready)


@engine_app.command("run")
def run(ctx: typer.Context, model: ModelArg) -> None:
    """Replace this process with the model's server (what the systemd unit's ExecStart= runs)."""
    from citadel_cli.engine import exec_launch, launch_for_run

    app = app_context(ctx)
    exec_launch(launch_for_run(app.config.model(model), app.config, app.paths))


@engine_app.command("argv")
def argv(ctx: typer.Context, model: ModelArg, json_mode: JsonOpt = False) -> None:
    """Print the exact command and environment `engine run` would exec."""
    from citadel_cli.engine import build_launch
    from citadel_cli.views.engine import launch_table

    app = app_context(ctx, json_mode)
    app.out.result(build_launch(app.config.model(model), app.config, app.paths), launch_table)


@engine_app.command("sim")
def sim(
    model: Annotated[str, typer.Option("--model", help="Served model name.")],
    port: Annotated[int, typer.Option("--port", help="Listen port.")],
    host: Annotated[str, typer.Option("--host", help="Bind address.")] = "127.0.0.1",
    ttft_ms: Annotated[float, typer.Option("--ttft-ms", help="Time to first token, ms.")] = 50.0,
    itl_ms: Annotated[float, typer.Option("--itl-ms", help="Inter-token latency, ms.")] = 10.0,
    max_num_seqs: Annotated[int, typer.Option("--max-num-seqs", help="Requests at once; more queue.")] = 256,
    max_model_len: Annotated[int, typer.Option("--max-model-len", help="Context length.")] = 4096,
    error_rate: Annotated[float, typer.Option("--error-rate", help="Share of requests that fail.")] = 0.0,
    error_status: Annotated[int, typer.Option("--error-status", help="HTTP status of failures.")] = 500,
    hang: Annotated[bool, typer.Option("--hang", help="Answer nothing until POST /sim/faults.")] = False,
    die_after_chunks: Annotated[int | None, typer.Option("--die-after-chunks",
                                                         help="Drop connections after N chunks.")] = None,
    health_fail: Annotated[bool, typer.Option("--health-fail", help="/health answers 503.")] = False,
) -> None:
    """Run the vLLM-compatible simulator in the foreground (same as `python -m citadel_cli.sim`)."""
    from citadel_cli.sim.server import serve
    from citadel_cli.sim.state import Faults, SimOptions

    faults = Faults(error_rate=error_rate, error_status=error_status, hang=hang,
                    die_after_chunks=die_after_chunks, health_fail=health_fail)
    serve(SimOptions(model=model, host=host, port=port, ttft_ms=ttft_ms, itl_ms=itl_ms,
                     max_num_seqs=max_num_seqs, max_model_len=max_model_len, faults=faults))


def wait_ready(
    ctx: typer.Context,
    model: ModelArg,
    timeout: Annotated[float | None, typer.Option("--timeout", help="Seconds to wait "
                       "(default: service.ready_timeout_s).")] = None,
    json_mode: JsonOpt = False,
) -> None:
    """Wait until the model answers /health and one real completion; exit 1 at the deadline."""
    from citadel_cli.readiness import wait_ready as wait
    from citadel_cli.views.engine import ready_line

    app = app_context(ctx, json_mode)
    spec = app.config.model(model)
    host = "127.0.0.1" if spec.host in ("0.0.0.0", "::", "") else spec.host
    result = wait(f"http://{host}:{spec.port}", spec.key, timeout or app.config.service.ready_timeout_s)
    app.out.result(result, ready_line)
    if not result.ready:
        raise typer.Exit(1)
