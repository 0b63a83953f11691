"""A local-profile deployment under tmp_path: one simulator engine and the gateway on free ports."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from citadel_cli.config_loader import load_config
from citadel_cli.maintenance.context import JobContext
from citadel_cli.paths import Paths
from citadel_cli.sim.testing import free_port

MODEL = {"repo": "sim/sim", "context_length": 2048, "max_num_batched_tokens": 512, "max_num_seqs": 8,
         "memory": "1G", "cpus": 1, "p95_ms": 1000, "rpm": 60, "engine": "sim", "sim": {"ttft_ms": 1, "itl_ms": 1}}
REFERENCE = ("mixtral-8x7b", "hermes-2", "openchat-3.5", "phi-3-mini")


def two_free_ports() -> tuple[int, int]:
    """Two distinct free ports (two calls of free_port may hand back the same one)."""
    first = free_port()
    second = free_port()
    while second == first:
        second = free_port()
    return first, second


def write_config(tmp_path: Path, **extra) -> Path:
    engine_port, gateway_port = two_free_ports()
    doc = {
        "profile": "local",
        "service": {"backend": "supervisor", "ready_timeout_s": 60, "stop_timeout_s": 5},
        "models": {**dict.fromkeys(REFERENCE), "tiny": {**MODEL, "port": engine_port}},
        "gateway": {"port": gateway_port, "default_model": "tiny", "auth": False},
        **extra,
    }
    path = tmp_path / "citadel.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture
def config_file(tmp_path) -> Path:
    return write_config(tmp_path)


@pytest.fixture
def job_ctx(config_file) -> JobContext:
    """Jobs called directly: short probe timings so a wedged engine costs milliseconds, not seconds."""
    config = load_config(config_file).config
    return JobContext(config=config, paths=Paths(config.paths), config_file=config_file, http_timeout_s=1.0,
                      probe_interval_s=0.05, recover_timeout_s=30.0)
