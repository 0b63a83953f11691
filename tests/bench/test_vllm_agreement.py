"""Against real vLLM (the tiny model), `citadel-llm bench` agrees with `vllm bench serve` on the
same load within 10 %.

vLLM runs from the engine venv that tests/system/test_vllm_real.py uses too (built on first use and
cached). Like that test, this one never skips: CI runs on machines that can install vLLM's CPU build.

Like for like (issue 12): both tools run AT THE SAME TIME against one server, one request in
flight each, with the same requests (chat, ~400 prompt tokens, content sent as typed parts as
vLLM's bench does, 32 tokens out). vLLM's per-request records (--save-detailed) are cut to the
window of each of our runs, so both see the same server at the same moment and only the clients
differ. What was measured on this 2-core box while getting there, and why the test is built so:
- Run one after the other, the server itself drifts: our own TTFT mean moved 4.2-6.9 ms between
  four identical runs (a few 20-55 ms stalls per run decide the mean), so side by side it is.
- String content vs vLLM's parts: the server parses parts slower, TTFT +1-2 ms (5-14 %): --content
  parts sends what vLLM's bench sends.
- With 32-token prompts TTFT is ~10 ms, and even two copies of `vllm bench serve` side by side
  differed by up to 11.5 % in median TTFT; with ~400-token prompts by 2.4 % at most.
- One request in flight per tool: with two each, requests of the two clients lock into phases
  where one waits for the other's prefill, and TTFT swung +-8 % from run to run between the tools.
- Each window compared on its own, then the median of three windows: one window can still land
  on a server stall that only one client's request met.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from citadel_cli.host.runner import Runner
from citadel_cli.sim.testing import free_port, stop
from tests.support.engine import shared_engine_venv

pytestmark = [pytest.mark.system, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
# One request in flight per tool; our three windows of DURATION_S inside one run of vLLM's bench:
# at the ~16-19 req/s it measured here PROMPTS last ~60-70 s, ours take ~40 s with start-ups.
PROMPTS, CONCURRENCY, INPUT_LEN, OUTPUT_LEN, DURATION_S, WINDOWS = 1100, 1, 384, 32, 10, 3
# `vllm bench serve` from the CPU build: answer vLLM's version lookup first (see vllm_launch.py).
VLLM_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1"}
# The model runs in the EngineCore (uni executor; the CPU platform only allows it with V1
# multiprocessing off). Measured on the 2-core box: with the default mp executor the worker (pinned
# to core 0) and the EngineCore both spin on their shm queue, and clients and API server starve in
# turns: tokens then arrive in one burst per request (TTFT ~ e2e), and two copies of OUR bench side
# by side differed by 20 % in req/s, vLLM's and ours by 28-120 %. With uni: no bursts, two copies
# of ours within 1 %.
SERVER_ENV = {"VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
VLLM_BENCH = ("import sys; from citadel_cli.vllm_launch import patch_version_lookup; patch_version_lookup();"
              "from vllm.entrypoints.cli.main import main; sys.argv = ['vllm', *sys.argv[1:]]; main()")


@pytest.fixture(scope="module")
def tiny_vllm(tmp_path_factory):
    python = shared_engine_venv().python
    from citadel_cli.models.tiny import make_tiny
    from citadel_cli.readiness import wait_ready

    root = tmp_path_factory.mktemp("bench-vllm")
    (root / "home").mkdir()
    weights = root / "tiny-model"
    make_tiny(weights)
    port = free_port()
    models = {key: None for key in ("mixtral-8x7b", "hermes-2", "openchat-3.5", "phi-3-mini")}
    models["tiny"] = {"repo": "citadel/tiny-llama", "context_length": 512, "max_num_batched_tokens": 512,
                      "max_num_seqs": 8, "memory": "3G", "cpus": 1, "p95_ms": 5000, "rpm": 60, "concurrency": 4,
                      "port": port, "weights_dir": str(weights)}
    config = root / "config.yaml"
    config.write_text(yaml.safe_dump({"profile": "local", "models": models,
                                      "gateway": {"default_model": "tiny", "port": free_port()}}))
    # vLLM started directly with the notes' lowest-memory flags: this test is about the bench's
    # figures, `engine run` has its own tests (tests/system/test_vllm_real.py).
    argv = [str(python), "-m", "citadel_cli.vllm_launch", "--model", str(weights), "--served-model-name", "tiny",
            "--host", "127.0.0.1", "--port", str(port), "--dtype", "float32", "--enforce-eager",
            "--max-model-len", "512", "--max-num-seqs", "8", "--kv-cache-memory-bytes", str(64 << 20),
            "--distributed-executor-backend", "uni"]
    env = {**VLLM_ENV, **SERVER_ENV, "PYTHONPATH": str(REPO), "HOME": str(root / "home")}
    pid = Runner().spawn_detached(argv, log_file=root / "tiny.log", env=env)
    try:
        ready = wait_ready(f"http://127.0.0.1:{port}", "tiny", 600.0)
        assert ready.ready, f"vLLM did not become ready: {ready.error}\n{(root / 'tiny.log').read_text()[-3000:]}"
        yield python, root, config, weights, ready.base_url
    finally:
        stop(pid, 60.0)


def start_vllm_bench(python: Path, root: Path, weights: Path, base_url: str, seed: int) -> subprocess.Popen:
    argv = [str(python), "-c", VLLM_BENCH, "bench", "serve", "--backend", "openai-chat",
            "--endpoint", "/v1/chat/completions", "--base-url", base_url, "--model", "tiny",
            "--tokenizer", str(weights), "--dataset-name", "random", "--random-input-len", str(INPUT_LEN),
            "--random-output-len", str(OUTPUT_LEN), "--num-prompts", str(PROMPTS),
            "--max-concurrency", str(CONCURRENCY), "--ignore-eos", "--percentile-metrics", "ttft,tpot,itl,e2el",
            "--save-result", "--save-detailed", "--result-dir", str(root),
            "--result-filename", "vllm.json", "--seed", str(seed)]
    env = {**os.environ, **VLLM_ENV, "PYTHONPATH": str(REPO), "HOME": str(root / "home")}
    return subprocess.Popen(argv, env=env, stdout=(root / "vllm-bench.log").open("w"), stderr=subprocess.STDOUT)


def requests_running(base_url: str) -> float:
    for line in urllib.request.urlopen(f"{base_url}/metrics", timeout=5).read().decode().splitlines():
        if line.startswith("vllm:num_requests_running"):
            return float(line.split()[-1])
    return 0.0


def wait_flowing(base_url: str, bench: subprocess.Popen, root: Path, deadline_s: float = 120.0) -> None:
    """Until vLLM's bench has requests in flight (it spends seconds importing and tokenizing first)."""
    deadline = time.monotonic() + deadline_s
    while requests_running(base_url) < 1:
        assert bench.poll() is None, f"vllm bench serve exited early:\n{(root / 'vllm-bench.log').read_text()[-3000:]}"
        assert time.monotonic() < deadline, "vllm bench serve sent no request in time"
        time.sleep(0.05)


def citadel_bench(cli, root: Path, config: Path, seed: int, *load: str) -> dict:
    result = cli("--root", root, "--config", config, "bench", "tiny", "--target", "direct", "--concurrency",
                 str(CONCURRENCY), *load, "--prompt-tokens", str(INPUT_LEN),
                 "--output-tokens", str(OUTPUT_LEN), "--content", "parts", "--seed", str(seed), "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["levels"][0]


def vllm_window(result: dict, lo: float, hi: float) -> dict:
    """vLLM's figures, with its own definitions, over [lo, hi] (perf_counter is one clock for all
    processes): req/s = requests that ended in it / its length; latencies of requests wholly in it.
    A request's end is start + TTFT + its ITLs: that is vLLM's own e2e (its last token chunk)."""
    reqs = [(start, ttft, start + ttft + sum(itls), out, itls) for start, ttft, itls, out
            in zip(result["start_times"], result["ttfts"], result["itls"], result["output_lens"], strict=True)]
    assert max(end for _, _, end, _, _ in reqs) > hi, "vLLM's run ended before ours: raise PROMPTS"
    inside = [r for r in reqs if r[0] >= lo and r[2] <= hi]
    ms = 1000.0
    return {"request_throughput": sum(1 for r in reqs if lo <= r[2] <= hi) / (hi - lo),
            "mean_ttft_ms": ms * statistics.mean(r[1] for r in inside),
            "mean_tpot_ms": ms * statistics.mean((r[2] - r[0] - r[1]) / (r[3] - 1) for r in inside),
            "mean_itl_ms": ms * statistics.mean(gap for r in inside for gap in r[4]),
            "mean_e2el_ms": ms * statistics.mean(r[2] - r[0] for r in inside),
            "requests": len(inside), "bursts": sum(1 for r in inside if r[1] > 0.8 * (r[2] - r[0]))}


# figure -> (key in vLLM's figures, how to read ours). The same definitions (citadel_cli/bench/metrics.py),
# but for ITL vLLM also counts the ~0 gap from its role-only chunk to the first token: 32 gaps where
# ours has 31 for 32 tokens, so its mean ITL is ~3 % lower by construction.
FIGURES = {
    "req/s": ("request_throughput", lambda lv: lv["req_per_s"]),
    "TTFT mean ms": ("mean_ttft_ms", lambda lv: lv["ttft_ms"]["mean"]),
    "TPOT mean ms": ("mean_tpot_ms", lambda lv: lv["tpot_ms"]["mean"]),
    "ITL mean ms": ("mean_itl_ms", lambda lv: lv["itl_ms"]["mean"]),
    "e2e mean ms": ("mean_e2el_ms", lambda lv: lv["e2e_ms"]["mean"]),
}


def test_bench_agrees_with_vllm_bench_serve(cli, tiny_vllm, capsys):
    python, root, config, weights, base_url = tiny_vllm
    citadel_bench(cli, root, config, 999, "--requests", "64")  # warm-up: vLLM's first batches are slower
    bench = start_vllm_bench(python, root, weights, base_url, seed=1)
    windows = []
    try:
        wait_flowing(base_url, bench, root)
        for window in range(WINDOWS):
            ours = citadel_bench(cli, root, config, 101 + window, "--duration", str(DURATION_S))
            # Our level is the last duration_s before the command returned (the report after it takes
            # microseconds); the preflight request and the prompt making come before it.
            hi = time.perf_counter()
            windows.append((hi - ours["duration_s"], hi, ours))
        assert bench.wait(timeout=300) == 0, (root / "vllm-bench.log").read_text()[-3000:]
    finally:
        if bench.poll() is None:
            bench.kill()
            bench.wait()
    result = json.loads((root / "vllm.json").read_text())
    ratios: dict[str, list[float]] = {name: [] for name in FIGURES}
    lines = []
    for lo, hi, ours in windows:
        theirs = vllm_window(result, lo, hi)
        cells = []
        for name, (key, read) in FIGURES.items():
            ref, mine = theirs[key], read(ours)
            ratios[name].append(mine / ref)
            cells.append(f"{name} {ref:.2f}/{mine:.2f} ({100 * (mine - ref) / ref:+.1f} %)")
        lines.append(f"window {hi - lo:.1f} s, vllm/citadel {theirs['requests']}/{ours['requests']} requests: "
                     + ", ".join(cells))
    medians = {name: statistics.median(values) for name, values in ratios.items()}
    lines.append("median of windows: " + ", ".join(f"{name} {100 * (m - 1):+.1f} %" for name, m in medians.items()))
    with capsys.disabled():  # the figures belong in CI's log, passed or not
        print("\n[bench vs vllm] " + "\n  ".join(lines))
    off = [name for name, m in medians.items() if abs(m - 1) > 0.10]
    assert not off, f"more than 10 % apart: {off}\n" + "\n".join(lines)
