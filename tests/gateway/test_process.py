"""The gateway as operators run it: `python -m gateway` from environment variables and
`citadel-llm gateway run` from a config file; SIGTERM finishes in-flight streams first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import httpx
import pytest
from gwhelpers import wait_for

from citadel_cli.sim.testing import free_port

pytestmark = pytest.mark.integration


def _spawn(argv: list[str], env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(argv, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_python_m_gateway_drains_in_flight_stream_on_sigterm(sims, tmp_path):
    a = sims("model-a", "--itl-ms", "100")
    port = free_port()
    env = {"GATEWAY_PORT": str(port), "GATEWAY_BACKENDS": f"model-a={a.base_url}", "DEFAULT_MODEL": "model-a",
           "LOG_LEVEL": "info"}
    with open(tmp_path / "gw.log", "wb") as log:
        proc = _spawn([sys.executable, "-m", "gateway"], env, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(url), 20, "gateway up")
        lines: list[str] = []
        started = threading.Event()

        def stream() -> None:
            body = {"messages": [{"role": "user", "content": "x"}], "max_tokens": 10, "stream": True}
            with httpx.stream("POST", f"{url}/v1/chat/completions", json=body, timeout=20) as r:
                for line in r.iter_lines():
                    started.set()
                    lines.append(line)

        reader = threading.Thread(target=stream)
        reader.start()
        assert started.wait(10)
        proc.send_signal(signal.SIGTERM)
        reader.join(20)
        # uvicorn re-raises the signal once it has shut down cleanly: -SIGTERM is a clean exit.
        assert proc.wait(20) in (0, -signal.SIGTERM)
        assert "data: [DONE]" in lines
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    access = [line for line in (tmp_path / "gw.log").read_text().splitlines() if line.startswith("{")]
    assert any('"status":200' in line and '"request_id"' in line for line in access)


def test_citadel_llm_gateway_run_serves_the_config(sims, tmp_path):
    a = sims("phi-3-mini")
    port = free_port()
    config = tmp_path / "config.yaml"
    config.write_text(
        "profile: local\n"
        f"models:\n  mixtral-8x7b: null\n  hermes-2: null\n  openchat-3.5: null\n"
        f"  phi-3-mini: {{port: {a.port}, engine: sim}}\n"
        f"gateway: {{port: {port}, default_model: phi-3-mini, auth: false}}\n")
    with open(tmp_path / "gw.log", "wb") as log:
        proc = _spawn([sys.executable, "-m", "citadel_cli", "--config", str(config), "gateway", "run"],
                      {"XDG_STATE_HOME": str(tmp_path / "state")}, log)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(url), 20, "gateway up")
        r = httpx.post(f"{url}/v1/chat/completions", json={"messages": [{"role": "user", "content": "x"}]}, timeout=10)
        assert r.status_code == 200 and r.json()["model"] == "phi-3-mini"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) in (0, -signal.SIGTERM)
