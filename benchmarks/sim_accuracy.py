"""How exactly the simulator keeps its configured latencies, and how many requests/s it serves.

    .venv/bin/python benchmarks/sim_accuracy.py            # full run
    .venv/bin/python benchmarks/sim_accuracy.py --short    # CI: a few seconds

Prints measured vs configured time to first token and inter-token latency (streamed
completions, one at a time and then concurrently), and the most requests/s it answers with zero
latency (the client runs on the same cores, so this is a floor of what the simulator can do).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from citadel_cli.sim.testing import running_sim


async def one_stream(session, url: str, tokens: int) -> tuple[float, list[float]]:
    """(ttft seconds, inter-token gaps) of one streamed completion."""
    body = {"model": "bench", "prompt": "hello", "max_tokens": tokens, "stream": True}
    start = time.perf_counter()
    stamps: list[float] = []
    async with session.post(f"{url}/v1/completions", json=body) as response:
        async for line in response.content:
            if line.startswith(b"data: {"):
                stamps.append(time.perf_counter())
    gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
    return stamps[0] - start, gaps


async def latency(url: str, requests: int, tokens: int, concurrency: int) -> tuple[list[float], list[float]]:
    import aiohttp

    ttfts: list[float] = []
    gaps: list[float] = []
    async with aiohttp.ClientSession() as session:
        for _ in range(0, requests, concurrency):
            results = await asyncio.gather(*(one_stream(session, url, tokens) for _ in range(concurrency)))
            for ttft, g in results:
                ttfts.append(ttft)
                gaps.extend(g)
    return ttfts, gaps


async def throughput(url: str, seconds: float, concurrency: int) -> float:
    import aiohttp

    body = {"model": "bench", "prompt": "hello", "max_tokens": 16}
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(session) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            async with session.post(f"{url}/v1/completions", json=body) as response:
                await response.read()
                done += 1

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        return done / (time.perf_counter() - start)


def ms(values: list[float], q: float | None = None) -> float:
    if q is None:
        return statistics.fmean(values) * 1000
    return statistics.quantiles(values, n=100)[int(q) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="CI mode: few requests, 2 s of load.")
    parser.add_argument("--ttft-ms", type=float, default=50.0)
    parser.add_argument("--itl-ms", type=float, default=10.0)
    args = parser.parse_args()
    requests, tokens, load_s = (10, 16, 2.0) if args.short else (50, 32, 10.0)
    with tempfile.TemporaryDirectory() as tmp:
        flags = ["--ttft-ms", str(args.ttft_ms), "--itl-ms", str(args.itl_ms), "--max-num-seqs", "1024"]
        with running_sim("bench", Path(tmp), *flags) as sim:
            print(f"simulator: ttft {args.ttft_ms:g} ms, itl {args.itl_ms:g} ms; {requests} streams of {tokens} tokens")
            print(f"{'load':<16}{'ttft mean':>11}{'ttft p99':>10}{'itl mean':>10}{'itl p99':>9}  (ms)")
            for concurrency in (1, 16):
                ttfts, gaps = asyncio.run(latency(sim.base_url, max(requests, concurrency * 4),
                                                  tokens, concurrency))
                print(f"{'c=' + str(concurrency):<16}{ms(ttfts):>11.2f}{ms(ttfts, 99):>10.2f}"
                      f"{ms(gaps):>10.2f}{ms(gaps, 99):>9.2f}")
            print(f"{'configured':<16}{args.ttft_ms:>11.2f}{'':>10}{args.itl_ms:>10.2f}")
        with running_sim("bench", Path(tmp), "--ttft-ms", "0", "--itl-ms", "0", "--max-num-seqs", "1024") as sim:
            for concurrency in (16, 64):
                rps = asyncio.run(throughput(sim.base_url, load_s, concurrency))
                print(f"max throughput, zero latency, c={concurrency}: {rps:,.0f} req/s (16-token replies)")


if __name__ == "__main__":
    main()
