"""A real local deployment for the diagnose tests: three simulator engines and the gateway, run by
the supervisor backend, with config, state and logs under one tmp dir and ports picked at run time.
Canary secrets are planted in the config file, the env files, the keys database and the logs."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from typer.testing import CliRunner

from citadel_cli.main import app
from tests.support.poll import poll  # noqa: F401 - the diagnose tests import it from here

MODELS = ("alpha", "beta", "gamma")
SIM = {"repo": "sim/sim", "context_length": 2048, "max_num_batched_tokens": 512, "max_num_seqs": 8,
       "memory": "1G", "cpus": 1, "p95_ms": 5000, "rpm": 60, "engine": "sim", "sim": {"ttft_ms": 1, "itl_ms": 1}}
CANARIES = {
    "hf": "hf_CanaryHfTokenQ7x9Z2k4M1",
    "url_password": "CanaryUrlPassw0rdX3",
    "api_arg": "sk-CanaryApiArgKey55aa77",
    "env_password": "CanaryEnvPassword8812",
    "plain_secret": "CanaryPlainSecretZ0Z0",
    "bearer": "CanaryBearerTokenQwErTy99",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Deployment:
    root: Path
    config: Path
    ports: dict[str, int]
    canaries: dict[str, str] = field(default_factory=lambda: dict(CANARIES))
    runner: CliRunner = field(default_factory=CliRunner)

    def cli(self, *args: str):
        return self.runner.invoke(app, ["--config", str(self.config), *map(str, args)], catch_exceptions=False)

    def diagnose(self, *args: str) -> tuple[int, dict]:
        result = self.cli("diagnose", "--json", *args)
        assert result.exit_code in (0, 1), result.stderr
        return result.exit_code, json.loads(result.stdout)

    def log_file(self, name: str) -> Path:
        return self.root / "log" / f"{name}.log"

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"


def write_deployment(root: Path) -> Deployment:
    ports = {name: free_port() for name in (*MODELS, "gateway")}
    dirs = {k: str(root / k) for k in ("opt", "etc", "log", "state", "systemd", "cron", "logrotate")}
    models = {name: {**SIM, "port": ports[name]} for name in MODELS}
    models["alpha"]["extra_args"] = [f"--api-key={CANARIES['api_arg']}"]  # a secret in the config itself
    models["gamma"]["weights_dir"] = str(root / "weights" / "gamma")
    doc = {
        "profile": "local",
        "paths": {"opt_dir": dirs["opt"], "etc_dir": dirs["etc"], "log_dir": dirs["log"], "state_dir": dirs["state"],
                  "systemd_dir": dirs["systemd"], "cron_dir": dirs["cron"], "logrotate_dir": dirs["logrotate"]},
        "service": {"backend": "supervisor", "ready_timeout_s": 60, "stop_timeout_s": 10},
        "models": {**dict.fromkeys(("mixtral-8x7b", "hermes-2", "openchat-3.5", "phi-3-mini")), **models},
        "gateway": {"port": ports["gateway"], "default_model": "alpha", "auth": False, "health_interval_s": 0.5,
                    "drain_timeout_s": 2},
    }
    config = root / "citadel.yaml"
    header = (f"# pulled with HF_TOKEN {CANARIES['hf']}\n"
              f"# mirror: https://ops:{CANARIES['url_password']}@mirror.example/models\n")
    config.write_text(header + yaml.safe_dump(doc, sort_keys=False))
    _tiny_model(root / "weights" / "gamma")
    _env_files(root / "etc" / "env")
    return Deployment(root=root, config=config, ports=ports)


def _tiny_model(directory: Path) -> None:
    """A small model folder with a lockfile (what `models pull` leaves), for the corruption test."""
    from citadel_cli.models.lockfile import lock_directory, write_lockfile

    directory.mkdir(parents=True)
    (directory / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    (directory / "model.safetensors").write_bytes(os.urandom(256 << 10))
    write_lockfile(directory, lock_directory(directory, repo="citadel/tiny", revision="main", commit=None,
                                             source="tiny"))


def _env_files(env_dir: Path) -> None:
    env_dir.mkdir(parents=True)
    (env_dir / "gamma.env").write_text(
        f"HF_TOKEN={CANARIES['hf']}\nDB_PASSWORD=\"{CANARIES['env_password']}\"\n"
        f"MY_SECRET={CANARIES['plain_secret']}\nOMP_NUM_THREADS=1\n")




def findings(report: dict, id: str, model: str | None = None) -> list[dict]:
    return [f for f in report["findings"] if f["id"] == id and (model is None or f["model"] == model)]
