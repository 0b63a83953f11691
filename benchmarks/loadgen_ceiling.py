#!/usr/bin/env python3
"""The load generator's own ceiling on this machine: requests/s against the simulator with zero
latency, at rising concurrency, for each HTTP client. A server measured near these figures is
measuring the client, not itself.

    .venv/bin/python benchmarks/loadgen_ceiling.py            # c = 1..256, both clients, 3 s each
    .venv/bin/python benchmarks/loadgen_ceiling.py --short    # CI: c = 1, 16, 64; 1 s each

Client, simulator and anything else running share the machine's cores: read the figures as the
ceiling under these conditions (the simulator's own cost is included).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from citadel_cli.bench.clients import CLIENTS, client_version  # noqa: E402
from citadel_cli.bench.loadgen import Load, Target, run_async, run_level  # noqa: E402
from citadel_cli.bench.metrics import level_result  # noqa: E402
from citadel_cli.bench.schema import Slo  # noqa: E402
from citadel_cli.sim.testing import running_sim  # noqa: E402

SLO = Slo(p95_ms=1e9, rpm=1, concurrency=1)


def body(stream: bool, tokens: int) -> bytes:
    return json.dumps({"model": "ceiling", "messages": [{"role": "user", "content": "hi"}], "max_tokens": tokens,
                       "ignore_eos": True, "stream": stream, "stream_options": {"include_usage": True}}).encode()


def measure(url: str, client: str, concurrency: int, seconds: float, stream: bool, tokens: int) -> dict:
    target = Target(url + "/v1/chat/completions", {"content-type": "application/json"}, stream, 30.0, client)
    run_async(run_level(target, [body(stream, tokens)], Load(concurrency, duration_s=0.3)))  # warm-up
    load = Load(concurrency, duration_s=seconds)
    result = level_result(run_async(run_level(target, [body(stream, tokens)], load)), load, "ceiling", SLO)
    return {"client": client, "c": concurrency, "req_s": result.req_per_s, "tok_s": result.output_tok_per_s,
            "p50_ms": result.e2e_ms.p50, "p99_ms": result.e2e_ms.p99, "errors": result.error_count}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--short", action="store_true", help="CI: fewer levels, 1 s each.")
    p.add_argument("--clients", default=",".join(CLIENTS), help="Comma-separated: aiohttp,httpx.")
    p.add_argument("--tokens", type=int, default=16, help="Tokens per reply (one SSE chunk each).")
    p.add_argument("--no-stream", action="store_true")
    p.add_argument("--json", action="store_true", help="One JSON line per measurement instead of a table.")
    args = p.parse_args()
    levels = (1, 16, 64) if args.short else (1, 4, 16, 64, 128, 256)
    seconds = 1.0 if args.short else 3.0
    stream = not args.no_stream
    print(f"loadgen ceiling: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}, simulator ttft=0 itl=0, "
          f"{args.tokens} tokens, {'stream' if stream else 'no stream'}, {seconds:g} s per level", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, running_sim("ceiling", Path(tmp), "--ttft-ms", "0", "--itl-ms", "0",
                                                          "--max-num-seqs", "1024") as sim:
        for c in levels:
            for client in args.clients.split(","):
                row = measure(sim.base_url, client, c, seconds, stream, args.tokens)
                rows.append(row)
                if args.json:
                    print(json.dumps(row), flush=True)
    if not args.json:
        print_table(rows, args.clients.split(","))


def print_table(rows: list[dict], clients: list[str]) -> None:
    print("| c | " + " | ".join(f"{client_version(c)} req/s (p50 / p99 ms)" for c in clients) + " |")
    print("|---|" + "---|" * len(clients))
    for c in dict.fromkeys(r["c"] for r in rows):
        cells = [next(r for r in rows if r["c"] == c and r["client"] == cl) for cl in clients]
        print(f"| {c} | " + " | ".join(f"{r['req_s']:.0f} ({r['p50_ms']:.1f} / {r['p99_ms']:.1f})"
                                      + (f" {r['errors']} err" if r["errors"] else "") for r in cells) + " |")


if __name__ == "__main__":
    main()
