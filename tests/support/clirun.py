"""Run `citadel-llm` in a subprocess pointed at a Hub stand-in.

huggingface_hub reads HF_ENDPOINT (and HF_HOME, HF_HUB_DISABLE_XET…) at import, so Hub tests
run the CLI in a fresh interpreter. `free_bytes` fakes the free-disk figure through the one
seam in citadel_cli.models.disk, replaced before the CLI starts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml


def write_config(path: Path, repo: str = "citadel/tiny-llama", revision: str = "main", key: str = "tiny") -> Path:
    """A config file adding one small model (non-reference port) to the reference models."""
    model = {"repo": repo, "revision": revision, "port": 18999, "context_length": 512,
             "max_num_batched_tokens": 512, "max_num_seqs": 4, "memory": "2G", "cpus": 1, "p95_ms": 1000,
             "rpm": 10}
    path.write_text(yaml.safe_dump({"models": {key: model}}))
    return path


_LAUNCHER = (
    "import sys, citadel_cli.models.disk as disk; disk.free_bytes = lambda path: {free}; "
    "sys.argv[0] = 'citadel-llm'; from citadel_cli.main import main; main()"
)


def hub_env(endpoint: str, hf_home: Path, token: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update(HF_ENDPOINT=endpoint, HF_HOME=str(hf_home), HF_HUB_DISABLE_XET="1", HF_HUB_DISABLE_TELEMETRY="1",
               NO_COLOR="1")
    if token:
        env["HF_TOKEN"] = token
    return env


def run_cli(*args: str, env: dict[str, str], free_bytes: int | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    if free_bytes is None:
        argv = [sys.executable, "-m", "citadel_cli", *args]
    else:
        argv = [sys.executable, "-c", _LAUNCHER.format(free=int(free_bytes)), *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)
