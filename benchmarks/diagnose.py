"""How long `citadel-llm diagnose` takes on a healthy local deployment of the four reference models.

Starts the four models as simulator engines plus the gateway (supervisor backend, local profile,
free ports, everything under a temporary dir), then times N runs of `python -m citadel_cli diagnose
--json` end to end (fresh interpreter: what the operator waits for) and prints the median and the
slowest, with the in-process collection time the report itself measures. Target: under 5 s.

    .venv/bin/python benchmarks/diagnose.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

TARGET_S = 5.0
REFERENCE = ("mixtral-8x7b", "hermes-2", "openchat-3.5", "phi-3-mini")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(root: Path) -> Path:
    paths = {f"{name}_dir": str(root / name) for name in ("opt", "etc", "log", "state", "systemd", "cron", "logrotate")}
    doc = {"profile": "local", "paths": paths,
           "service": {"backend": "supervisor", "ready_timeout_s": 120, "stop_timeout_s": 10},
           "models": {key: {"engine": "sim", "port": free_port(), "sim": {"ttft_ms": 1, "itl_ms": 1}}
                      for key in REFERENCE},
           "gateway": {"port": free_port(), "health_interval_s": 1, "drain_timeout_s": 2}}
    config = root / "citadel.yaml"
    config.write_text(yaml.safe_dump(doc))
    return config


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "citadel_cli", "--config", str(config), *args], env=env,
                          capture_output=True, text=True, timeout=300, check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="citadel-diagnose-bench-") as tmp:
        config = write_config(Path(tmp))
        started = cli(config, "start")
        if started.returncode != 0:
            sys.exit(f"start failed:\n{started.stdout}{started.stderr}")
        try:
            walls, inner, verdict = [], [], ""
            for _ in range(args.runs):
                t0 = time.monotonic()
                result = cli(config, "diagnose", "--json")
                walls.append(time.monotonic() - t0)
                report = json.loads(result.stdout)
                inner.append(report["seconds"])
                verdict = report["verdict"]
        finally:
            cli(config, "stop")
    median = statistics.median(walls)
    print(f"diagnose, 4 simulator models + gateway, {args.runs} runs: median {median:.2f} s, "
          f"slowest {max(walls):.2f} s end to end (collection alone: median {statistics.median(inner):.2f} s); "
          f"target < {TARGET_S:.0f} s: {'met' if max(walls) < TARGET_S else 'MISSED'}")
    print(f"last verdict: {verdict}")


if __name__ == "__main__":
    main()
