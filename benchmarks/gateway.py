"""Gateway overhead, side by side with going direct, in one run.

Starts one simulator (`python -m citadel_cli.sim`, no token latency so the hop itself is what is
measured) and the gateway in front of it (`python -m gateway`), then runs a closed-loop aiohttp
client at concurrency 1, 16 and 64, non-stream and stream, against both, alternating targets
every round so background load hits both alike. Prints requests/s, p50/p99 latency, time to
first chunk and the gateway's RSS, with ratios to direct.

    .venv/bin/python benchmarks/gateway.py            # 3 rounds x 3 s per cell
    .venv/bin/python benchmarks/gateway.py --short    # CI: 1 round x 1 s
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psutil

from citadel_cli.sim.testing import free_port, running_sim, wait_listening

BODY = {"model": "bench", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 16}


async def _one(session: aiohttp.ClientSession, url: str, payload: dict, ttfc: list, lat: list) -> bool:
    started = time.perf_counter()
    async with session.post(url, json=payload) as response:
        first = None
        async for _ in response.content.iter_any():
            if first is None:
                first = time.perf_counter() - started
        ok = response.status == 200
    lat.append(time.perf_counter() - started)
    ttfc.append(first or 0.0)
    return ok


async def measure(url: str, concurrency: int, stream: bool, seconds: float) -> dict[str, float]:
    payload = {**BODY, "stream": stream}
    lat: list[float] = []
    ttfc: list[float] = []
    errors = 0
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        warm_end = time.perf_counter() + min(0.5, seconds / 2)
        end = warm_end + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < end:
                measuring = time.perf_counter() >= warm_end
                sink_l, sink_t = (lat, ttfc) if measuring else ([], [])
                if not await _one(session, url, payload, sink_t, sink_l) and measuring:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    lat.sort()
    ttfc.sort()
    pick = lambda xs, q: xs[min(len(xs) - 1, int(q * len(xs)))] * 1000 if xs else float("nan")  # noqa: E731
    return {"rps": len(lat) / seconds, "p50": pick(lat, 0.5), "p99": pick(lat, 0.99),
            "ttfc50": pick(ttfc, 0.5), "errors": errors}


@contextlib.contextmanager
def running_gateway(sim_url: str, log_dir: Path):
    port = free_port()
    env = {**os.environ, "GATEWAY_PORT": str(port), "GATEWAY_BACKENDS": f"bench={sim_url}",
           "DEFAULT_MODEL": "bench", "MAX_CONCURRENT_REQUESTS": "1000", "LOG_LEVEL": "warning",
           "GATEWAY_ACCESS_LOG": os.environ.get("GATEWAY_ACCESS_LOG", "1")}
    with open(log_dir / "gateway.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "gateway"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_listening(port, 30, proc.pid)
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(30)


def table(results: dict[tuple, list[dict]], rss_mb: float) -> str:
    lines = ["| test | target | req/s (x direct) | p50 ms | p99 ms | added p50 ms | TTFC p50 ms | errors |",
             "|---|---|---|---|---|---|---|---|"]
    for (kind, conc) in sorted({(k, c) for k, c, _ in results}, key=lambda x: (x[0], x[1])):
        direct = results[(kind, conc, "direct")]
        for target in ("direct", "gateway"):
            runs = results[(kind, conc, target)]
            med = {m: statistics.median(r[m] for r in runs) for m in ("rps", "p50", "p99", "ttfc50")}
            ratio = statistics.median(r["rps"] / d["rps"] for r, d in zip(runs, direct, strict=True))
            added = statistics.median(r["p50"] - d["p50"] for r, d in zip(runs, direct, strict=True))
            lines.append(f"| {kind} c={conc} | {target} | {med['rps']:.0f} ({ratio:.2f}) | {med['p50']:.2f} | "
                         f"{med['p99']:.2f} | {added:+.2f} | {med['ttfc50']:.2f} | "
                         f"{sum(r['errors'] for r in runs)} |")
    lines.append(f"\nGateway RSS after the run: {rss_mb:.0f} MB")
    return "\n".join(lines)


async def run_all(direct: str, gateway: str, rounds: int, seconds: float, levels: list[int]) -> dict:
    results: dict[tuple, list[dict]] = {}
    for index in range(rounds):
        for stream in (False, True):
            for conc in levels:
                order = [("direct", direct), ("gateway", gateway)]
                for name, base in order if index % 2 == 0 else reversed(order):
                    cell = await measure(f"{base}/v1/chat/completions", conc, stream, seconds)
                    results.setdefault(("stream" if stream else "non-stream", conc, name), []).append(cell)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--short", action="store_true", help="CI mode: 1 round of 1 s per cell.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    rounds, seconds = (1, 1.0) if args.short else (args.rounds, args.seconds)
    with tempfile.TemporaryDirectory() as tmp, \
            running_sim("bench", Path(tmp), "--ttft-ms", "0", "--itl-ms", "0", "--max-num-seqs", "1024") as sim, \
            running_gateway(sim.base_url, Path(tmp)) as (proc, gateway_url):
        results = asyncio.run(run_all(sim.base_url, gateway_url, rounds, seconds, [1, 16, 64]))
        rss = psutil.Process(proc.pid).memory_info().rss / 2**20
    print(table(results, rss))


if __name__ == "__main__":
    main()
