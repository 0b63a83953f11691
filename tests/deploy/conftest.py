"""A local deployment on tmp_path: simulator engines on free ports, taken down after each test."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
import yaml

from tests.support.hubstub import free_port

MODELS = ("mixtral-8x7b", "hermes-2", "openchat-3.5", "phi-3-mini")


class LocalDeployment:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.state = home / ".local/state/citadel-llm"
        self.config_file = self.state / "etc/config.yaml"
        self.ports = {key: free_port() for key in MODELS}
        self.gateway_port = free_port()

    def write_config(self, **extra: object) -> None:
        data = {"profile": "local",
                "models": {k: {"engine": "sim", "port": p, "sim": {"ttft_ms": 5, "itl_ms": 1}}
                           for k, p in self.ports.items()},
                "gateway": {"port": self.gateway_port, "health_interval_s": 1}}
        for section, values in extra.items():
            data[section] = {**data.get(section, {}), **values}
        self.config_file.parent.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(yaml.safe_dump(data))

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def chat(self, model: str, stream: bool = False, timeout: float = 10.0) -> httpx.Response:
        body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4, "stream": stream}
        return httpx.post(f"{self.gateway_url}/v1/chat/completions", json=body, timeout=timeout)

    def our_processes(self) -> list[int]:
        """Pids of processes started from this deployment (they carry its config path in their env)."""
        import psutil

        found = []
        for proc in psutil.process_iter(["pid", "environ"]):
            try:
                env = proc.info["environ"] or {}
            except (psutil.AccessDenied, psutil.NoSuchProcess):
                continue
            if env.get("CITADEL_CONFIG") == str(self.config_file):
                found.append(proc.info["pid"])
        return found


@pytest.fixture
def local(isolated_env: Path, cli) -> LocalDeployment:
    dep = LocalDeployment(isolated_env)
    dep.write_config()
    yield dep
    if dep.config_file.exists():
        cli("down", "--yes")
    for pid in dep.our_processes():  # a failed test must not leave servers behind
        os.kill(pid, 9)
