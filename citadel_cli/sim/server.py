"""Command line and server loop of the simulator (`python -m citadel_cli.sim`, `citadel-llm engine sim`)."""

from __future__ import annotations

import argparse

from citadel_cli.sim.state import Faults, SimOptions


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m citadel_cli.sim", description="vLLM-compatible simulator.")
    p.add_argument("--model", required=True, help="Served model name.")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--ttft-ms", type=float, default=50.0, help="Time to first token, ms.")
    p.add_argument("--itl-ms", type=float, default=10.0, help="Inter-token latency, ms.")
    p.add_argument("--max-num-seqs", type=int, default=256, help="Requests generated at once; others queue.")
    p.add_argument("--max-model-len", type=int, default=4096, help="Context length (longer requests: 400).")
    p.add_argument("--default-tokens", type=int, default=16, help="Reply length when max_tokens is absent.")
    p.add_argument("--error-rate", type=float, default=0.0, help="Share of requests answered with an error.")
    p.add_argument("--error-status", type=int, default=500, help="HTTP status of those errors.")
    p.add_argument("--hang", action="store_true", help="Answer nothing (until POST /sim/faults {\"hang\": false}).")
    p.add_argument("--die-after-chunks", type=int, default=None, help="Drop connections after N body chunks.")
    p.add_argument("--health-fail", action="store_true", help="/health answers 503.")
    p.add_argument("--log-level", default="warning")
    return p


def options_from_args(argv: list[str] | None = None) -> tuple[SimOptions, str]:
    args = parser().parse_args(argv)
    faults = Faults(error_rate=args.error_rate, error_status=args.error_status, hang=args.hang,
                    die_after_chunks=args.die_after_chunks, health_fail=args.health_fail)
    options = SimOptions(model=args.model, host=args.host, port=args.port, ttft_ms=args.ttft_ms,
                         itl_ms=args.itl_ms, max_num_seqs=args.max_num_seqs, max_model_len=args.max_model_len,
                         default_tokens=args.default_tokens, faults=faults)
    return options, args.log_level


def serve(options: SimOptions, log_level: str = "warning") -> None:
    """Run until SIGTERM/SIGINT. uvloop + httptools: measured several times faster than the defaults."""
    import uvicorn

    from citadel_cli.sim.app import create_app

    uvicorn.run(create_app(options), host=options.host, port=options.port, loop="uvloop", http="httptools",
                lifespan="on", access_log=False, log_level=log_level, timeout_graceful_shutdown=5,
                timeout_keep_alive=30)


def main(argv: list[str] | None = None) -> None:
    options, log_level = options_from_args(argv)
    serve(options, log_level)
