"""The whole lifecycle through the CLI and the supervisor backend: two simulator engines and the
gateway (when `citadel-llm gateway run` exists), on ports picked at run time under tmp_path."""

from __future__ import annotations

import json
import os
import signal

import httpx
import psutil
import pytest
import yaml
from lifecycle_helpers import free_port

from citadel_cli.main import app as cli_app
from tests.support.poll import poll

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

MODEL = {"repo": "sim/sim", "context_length": 2048, "max_num_batched_tokens": 512, "max_num_seqs": 8,
         "memory": "1G", "cpus": 1, "p95_ms": 1000, "rpm": 60, "engine": "sim", "sim": {"ttft_ms": 1, "itl_ms": 1}}


def has_gateway() -> bool:
    return any(getattr(g, "name", None) == "gateway" for g in cli_app.registered_groups)


@pytest.fixture
def deployment(tmp_path, cli):
    ports = {"alpha": free_port(), "beta": free_port(), "gateway": free_port()}
    doc = {
        "profile": "local",
        "service": {"backend": "supervisor", "ready_timeout_s": 60, "stop_timeout_s": 10},
        "models": {**dict.fromkeys(("mixtral-8x7b", "hermes-2", "openchat-3.5", "phi-3-mini")),
                   "alpha": {**MODEL, "port": ports["alpha"]}, "beta": {**MODEL, "port": ports["beta"]}},
        "gateway": {"port": ports["gateway"], "default_model": "alpha", "auth": False,
                    "health_interval_s": 0.5, "drain_timeout_s": 5},
    }
    config = tmp_path / "citadel.yaml"
    config.write_text(yaml.safe_dump(doc))
    yield config, ports
    cli("--config", config, "stop")  # whatever a failing test left running


def run(cli, config, *args):
    return cli("--config", config, *args)


def statuses(cli, config) -> dict[str, dict]:
    result = run(cli, config, "status", "--json")
    assert result.exit_code == 0, result.stderr
    return {s["name"]: s for s in json.loads(result.stdout)}




def chat(port: int, model: str) -> str:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}
    response = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body, timeout=10)
    response.raise_for_status()
    return response.json()["choices"][0]["message"]["content"]


def test_start_chat_kill_restart_stop(cli, deployment):
    config, ports = deployment
    targets = ["alpha", "beta"] + (["gateway"] if has_gateway() else [])
    started = run(cli, config, "start", *targets, "--json")
    assert started.exit_code == 0, started.stderr + started.stdout
    result = json.loads(started.stdout)
    assert result["ok"] and [s["name"] for s in result["services"]] == targets
    front = ports["gateway"] if has_gateway() else None
    for model in ("alpha", "beta"):  # the gateway routes once its own health check saw the engine
        poll(lambda m=model: _try_chat(front or ports[m], m))

    before = statuses(cli, config)
    assert before["alpha"]["state"] == "active" and before["alpha"]["ready"] is True
    assert before["alpha"]["rss_bytes"] > 0 and before["alpha"]["restarts"] == 0
    victim = before["beta"]["pid"]
    os.kill(victim, signal.SIGKILL)
    after = poll(lambda: (s := statuses(cli, config)["beta"])["ready"] and s["pid"] != victim and s)
    assert after["restarts"] == 1 and after["exit_status"] == 9 and after["result"] == "signal"
    poll(lambda: _try_chat(front or ports["beta"], "beta"))  # the gateway serves it again
    logs = run(cli, config, "logs", "beta", "-n", "50")
    assert "killed by signal 9" in logs.stdout

    group_ids = [int(p.read_text()) for p in (config.parent / "home").rglob("*.pid")]
    stopped = run(cli, config, "stop", "--json")
    assert stopped.exit_code == 0, stopped.stderr
    assert group_ids and not [p for p in psutil.process_iter() if _pgid(p.pid) in group_ids]
    assert {s["state"] for s in statuses(cli, config).values()} == {"inactive"}


def test_start_failure_names_unit_reason_and_log_lines(cli, deployment, tmp_path):
    config, ports = deployment
    broken = tmp_path / "broken-python"
    broken.write_text("#!/bin/sh\necho 'engine exploded' >&2\nexit 3\n")
    broken.chmod(0o755)
    doc = yaml.safe_load(config.read_text())
    doc["service"]["python"] = str(broken)
    config.write_text(yaml.safe_dump(doc))
    result = run(cli, config, "start", "alpha")
    assert result.exit_code == 1
    assert "error: citadel-llm@alpha.service: " in result.stderr and "exited with status 3" in result.stderr
    assert "last log lines of citadel-llm@alpha.service" in result.stdout and "engine exploded" in result.stdout


def _try_chat(port: int, model: str) -> str | None:
    try:
        return chat(port, model)
    except httpx.HTTPError:
        return None


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None
