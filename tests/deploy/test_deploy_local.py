"""`citadel-llm deploy --profile local` end to end through the CLI, and how it fails at each step."""

from __future__ import annotations

import json
import socket
import sys

from tests.deploy.conftest import MODELS


def test_local_deploy_serves_every_model_then_down_leaves_nothing(cli, local):
    result = cli("deploy", "--profile", "local", "--yes")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert f"gateway: {local.gateway_url}" in result.stdout
    assert "simulated engines" in result.stdout and "curl -s" in result.stdout
    for model in MODELS:
        response = local.chat(model)
        assert response.status_code == 200, response.text
        assert response.json()["model"] == model

    status = cli("status", "--json")
    assert status.exit_code == 0
    states = {s["name"]: s for s in json.loads(status.stdout)}
    assert set(states) == {*MODELS, "gateway"}
    assert all(s["state"] == "active" and s["ready"] for s in states.values()), states

    down = cli("down", "--yes")
    assert down.exit_code == 0, down.stderr
    assert local.our_processes() == []
    assert not local.state.exists()


def test_deploy_json_summary_and_rerun_continues(cli, local):
    first = cli("deploy", "--profile", "local", "--yes", "--json")
    assert first.exit_code == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["ok"] and [m["state"] for m in summary["models"]] == ["ready"] * 4
    assert all(m["first_token_ms"] is not None and m["load_s"] is not None for m in summary["models"])
    again = json.loads(cli("deploy", "--profile", "local", "--yes", "--json").stdout)
    install = next(s for s in again["steps"] if s["step"] == "install")
    assert install["detail"].startswith("0 created, 0 updated")


def test_dry_run_changes_nothing(cli, local):
    result = cli("deploy", "--profile", "local", "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    assert [s["step"] for s in json.loads(result.stdout)["steps"]] == ["install", "pull", "check"]
    assert not (local.state / "opt").exists() and local.our_processes() == []


def test_deploy_stops_at_check_when_a_port_is_taken(cli, local):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", local.ports["hermes-2"]))
        squatter.listen()
        result = cli("deploy", "--profile", "local", "--yes")
    assert result.exit_code == 1
    assert "error: deploy stopped at step 'check': hermes-2:" in result.stderr
    assert str(local.ports["hermes-2"]) in result.stderr and "hint:" in result.stderr
    assert local.our_processes() == []


def test_deploy_stops_at_install_when_a_directory_cannot_be_made(cli, local):
    (local.state / "opt").write_text("a file where a directory belongs")
    result = cli("deploy", "--profile", "local", "--yes")
    assert result.exit_code == 1
    assert "deploy stopped at step 'install'" in result.stderr


def test_deploy_stops_at_start_naming_the_unit_and_its_log(cli, local, tmp_path):
    # An interpreter without citadel-llm: every service dies at once, as a broken venv would.
    local.write_config(service={"python": "/usr/bin/python3"})
    result = cli("deploy", "--profile", "local", "--yes", "phi-3-mini")
    assert result.exit_code == 1
    assert "deploy stopped at step 'start': citadel-llm@phi-3-mini.service" in result.stderr
    assert "No module named citadel_cli" in result.stderr
    assert "citadel-llm logs phi-3-mini" in result.stderr
    local.write_config(service={"python": sys.executable})
    fixed = cli("deploy", "--profile", "local", "--yes")
    assert fixed.exit_code == 0, fixed.stderr


def test_deploy_stops_at_pull_when_the_hub_is_unreachable(local, tmp_path):
    import subprocess

    from tests.support.hubstub import free_port

    local.write_config()
    config = local.config_file.read_text().replace("engine: sim", "engine: vllm", 1)
    local.config_file.write_text(config)
    env = {"HOME": str(local.home), "HF_ENDPOINT": f"http://127.0.0.1:{free_port()}", "HF_HUB_DISABLE_XET": "1",
           "HF_HOME": str(tmp_path / "hf"), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "citadel_cli", "deploy", "--profile", "local", "--yes"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "deploy stopped at step 'pull'" in proc.stderr and "hint:" in proc.stderr
