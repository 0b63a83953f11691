"""Against real vLLM (the tiny model), `citadel-llm bench` agrees with `vllm bench serve` on the
same load within 10 %.

Runs only where vLLM is importable in an engine venv ($CITADEL_ENGINE_VENV, else the cache the
engine tests create at /var/tmp/citadel-engine-venv): installing vLLM is the engine tests' job
(tests/system/test_vllm_real.py), not this one's. Otherwise it is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
from pathlib import Path

import pytest
import yaml

from citadel_cli.host.runner import Runner
from citadel_cli.sim.testing import free_port, stop

pytestmark = [pytest.mark.system, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
DEFAULT_VENV = Path("/var/tmp/citadel-engine-venv")
PROMPTS, CONCURRENCY, INPUT_LEN, OUTPUT_LEN, ROUNDS = 128, 4, 32, 32, 3
# `vllm bench serve` from the CPU build: answer vLLM's version lookup first (see vllm_launch.py).
VLLM_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1"}
VLLM_BENCH = ("import sys; from citadel_cli.vllm_launch import patch_version_lookup; patch_version_lookup();"
              "from vllm.entrypoints.cli.main import main; sys.argv = ['vllm', *sys.argv[1:]]; main()")


def engine_python() -> Path:
    venv = Path(os.environ.get("CITADEL_ENGINE_VENV") or DEFAULT_VENV)
    python = venv / "bin" / "python"
    if not python.is_file():
        pytest.skip(f"no engine venv at {venv}: set CITADEL_ENGINE_VENV or run tests/system/test_vllm_real.py "
                    "once to create it (vLLM is needed for the bench-vs-vllm agreement test)")
    probe = subprocess.run([str(python), "-c", "import importlib.util, sys; "
                            "sys.exit(importlib.util.find_spec('vllm') is None)"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"vLLM is not importable in {venv}: the bench-vs-vllm agreement test needs it")
    return python


@pytest.fixture(scope="module")
def tiny_vllm(tmp_path_factory):
    python = engine_python()
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
            "--max-model-len", "512", "--max-num-seqs", "8", "--kv-cache-memory-bytes", str(64 << 20)]
    env = {**VLLM_ENV, "PYTHONPATH": str(REPO), "HOME": str(root / "home")}
    pid = Runner().spawn_detached(argv, log_file=root / "tiny.log", env=env)
    try:
        ready = wait_ready(f"http://127.0.0.1:{port}", "tiny", 600.0)
        assert ready.ready, f"vLLM did not become ready: {ready.error}\n{(root / 'tiny.log').read_text()[-3000:]}"
        yield python, root, config, weights, ready.base_url
    finally:
        stop(pid, 60.0)


def vllm_bench(python: Path, root: Path, weights: Path, base_url: str, seed: int) -> dict:
    argv = [str(python), "-c", VLLM_BENCH, "bench", "serve", "--backend", "openai-chat",
            "--endpoint", "/v1/chat/completions", "--base-url", base_url, "--model", "tiny",
            "--tokenizer", str(weights), "--dataset-name", "random", "--random-input-len", str(INPUT_LEN),
            "--random-output-len", str(OUTPUT_LEN), "--num-prompts", str(PROMPTS),
            "--max-concurrency", str(CONCURRENCY), "--ignore-eos", "--percentile-metrics", "ttft,tpot,itl,e2el",
            "--save-result", "--result-dir", str(root),
            "--result-filename", "vllm.json", "--seed", str(seed)]
    env = {**os.environ, **VLLM_ENV, "PYTHONPATH": str(REPO), "HOME": str(root / "home")}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((root / "vllm.json").read_text())


def citadel_bench(cli, root: Path, config: Path, seed: int) -> dict:
    result = cli("--root", root, "--config", config, "bench", "tiny", "--target", "direct", "--concurrency",
                 str(CONCURRENCY), "--requests", str(PROMPTS), "--prompt-tokens", str(INPUT_LEN),
                 "--output-tokens", str(OUTPUT_LEN), "--seed", str(seed), "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["levels"][0]


# figure -> (key in vLLM's JSON, how to read ours). Same definitions, except ITL: vLLM also counts
# the gaps to its role-only first chunk and to its empty finish chunk (33 gaps for 32 tokens, ~6 %
# lower), so ITL is printed for the record and not held to the 10 %.
FIGURES = {
    "req/s": ("request_throughput", lambda lv: lv["req_per_s"]),
    "TTFT mean ms": ("mean_ttft_ms", lambda lv: lv["ttft_ms"]["mean"]),
    "TPOT mean ms": ("mean_tpot_ms", lambda lv: lv["tpot_ms"]["mean"]),
    "ITL mean ms": ("mean_itl_ms", lambda lv: lv["itl_ms"]["mean"]),
    "e2e mean ms": ("mean_e2el_ms", lambda lv: lv["e2e_ms"]["mean"]),
}


# Measured (issue 12): the gap comes from the server, not from either client. On this 2-core box
# vLLM's worker is pinned to core 0 and the EngineCore (spin-waiting on the worker's shm queue),
# the API server and the client share core 1. The server flips between two regimes that last
# seconds: streaming (TTFT ~10-20 ms, ~70 req/s at c=4) and lockstep bursts (the 4 requests
# in step, each one's tokens arriving in one burst at the end: TTFT ~ e2e ~ 140 ms, ~26 req/s).
# A 128-request run (2-5 s) lands in one regime or the other. Our loadgen and a line-for-line copy
# of vllm bench serve's request loop in one process, on the same prompts, both land in either
# regime (vllm's random-token prompts vs our word prompts made no difference; nor did pinning the
# client to a core). So one run of either tool moves by up to 2x, with either sign.
@pytest.mark.xfail(strict=False, reason="open: vLLM on 2 cores flips between a streaming and a lockstep-burst "
                   "regime (2-3x apart in TTFT, e2e and req/s) that lasts longer than a run; both clients land "
                   "in either, so a few runs per tool cannot agree within 10 %")
def test_bench_agrees_with_vllm_bench_serve(cli, tiny_vllm, request):
    python, root, config, weights, base_url = tiny_vllm
    citadel_bench(cli, root, config, seed=999)  # warm-up: vLLM's first batches are slower
    ours, theirs = [], []
    # Interleaved rounds, fresh prompts each (no prefix-cache hits), medians compared: the box is
    # shared, and one round of either tool can land on a busy second.
    for round_ in range(ROUNDS):
        theirs.append(vllm_bench(python, root, weights, base_url, seed=round_))
        ours.append(citadel_bench(cli, root, config, seed=100 + round_))
    lines, off = [], []
    for name, (key, read) in FIGURES.items():
        ref = statistics.median(run[key] for run in theirs)
        mine = statistics.median(read(lv) for lv in ours)
        lines.append(f"{name}: vllm {ref:.2f}, citadel {mine:.2f} ({100 * (mine - ref) / ref:+.1f} %)")
        if name != "ITL mean ms" and abs(mine - ref) > 0.10 * ref:
            off.append(name)
    request.config.pluginmanager.get_plugin("terminalreporter").write_line("[bench vs vllm] " + "; ".join(lines))
    assert not off, f"more than 10 % apart: {off}\n" + "\n".join(lines)
