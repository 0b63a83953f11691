"""The lifecycle on a real systemd: a container booted with systemd-nspawn on the host's /usr,
units rendered by citadel_cli.units, two simulator engines and the gateway."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from citadel_cli.config_loader import load_config
from citadel_cli.paths import Paths

sys.path.insert(0, str(Path(__file__).parent))
from nspawn import SRC_IN_BOX, Container, service_venv, unavailable_reason  # noqa: E402

pytestmark = [pytest.mark.system, pytest.mark.timeout(300)]
REPO = Path(__file__).resolve().parents[2]
VENV = Path("/opt/citadel/venv")  # inside the container
CITADEL_UID = 990
MODEL = {"repo": "sim/sim", "context_length": 2048, "max_num_batched_tokens": 512, "max_num_seqs": 8,
         "memory": "1G", "cpus": 1, "p95_ms": 1000, "rpm": 60, "engine": "sim", "sim": {"ttft_ms": 1, "itl_ms": 1}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def poll(predicate, deadline_s: float = 30.0, what: str = "condition"):
    end = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < end:
        try:
            last = predicate()
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            last = None
            err = exc
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"{what} not met within {deadline_s}s" + (f" ({err})" if "err" in locals() else ""))


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    reason = unavailable_reason()
    if reason:
        print(f"skipping the systemd system test: {reason}")
        pytest.skip(reason)
    scratch = tmp_path_factory.mktemp("nspawn")
    venv = service_venv(REPO, scratch / "venv")
    with Container.boot(f"citadel-sys-{os.getpid()}", scratch, binds_ro={REPO: SRC_IN_BOX, venv: VENV}) as container:
        print(f"container booted in {container.boot_s} s")
        yield container


@pytest.fixture(scope="module")
def deployment(box):
    ports = {"alpha": free_port(), "beta": free_port(), "gateway": free_port()}
    doc = {
        "service": {"python": str(VENV / "bin/python"), "ready_timeout_s": 60, "stop_timeout_s": 10},
        "models": {**dict.fromkeys(("mixtral-8x7b", "hermes-2", "openchat-3.5", "phi-3-mini")),
                   "alpha": {**MODEL, "port": ports["alpha"]}, "beta": {**MODEL, "port": ports["beta"]}},
        "gateway": {"host": "127.0.0.1", "port": ports["gateway"], "default_model": "alpha", "auth": False,
                    "health_interval_s": 0.5, "drain_timeout_s": 5},
    }
    box.write("/etc/passwd", f"root:x:0:0:root:/root:/bin/sh\ncitadel:x:{CITADEL_UID}:{CITADEL_UID}::/nonexistent:"
              "/usr/sbin/nologin\n")
    box.write("/etc/group", f"root:x:0:\ncitadel:x:{CITADEL_UID}:\n")
    box.write("/etc/citadel-llm/config.yaml", yaml.safe_dump(doc))
    config = load_config(box.path("/etc/citadel-llm/config.yaml"), root=box.path("/")).config
    paths = Paths(config.paths)
    for name in ("alpha", "beta", "gateway"):
        box.write(f"/etc/citadel-llm/env/{name}.env", "# written by the system test\n")
    for directory in paths.data_dirs():
        directory.mkdir(parents=True, exist_ok=True)
        os.chown(directory, CITADEL_UID, CITADEL_UID)
    from citadel_cli.units import render_units

    for path, text in render_units(config, paths).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    box.run(["systemctl", "daemon-reload"]).check("daemon-reload")
    return ports


def cli(box, *args: str, timeout: float = 120):
    return box.run([str(VENV / "bin/python"), "-m", "citadel_cli", *args], timeout=timeout)


def chat(port: int, model: str) -> str:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}
    response = httpx.post(f"http://127.0.0.1:{port}/v1/chat/completions", json=body, timeout=5)
    response.raise_for_status()
    return response.json()["choices"][0]["message"]["content"]


def show(box, unit: str) -> dict[str, str]:
    out = box.run(["systemctl", "show", "-p", "ActiveState,SubState,MainPID,NRestarts,Result", unit]).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def statuses(box) -> dict[str, dict]:
    result = cli(box, "status", "--json")
    assert result.ok, result.stderr
    return {s["name"]: s for s in json.loads(result.stdout)}


def test_target_start_chat_kill_restart(box, deployment):
    ports = deployment
    started = time.monotonic()
    box.run(["systemctl", "start", "citadel-llm.target"], timeout=120).check("systemctl start citadel-llm.target")
    result = cli(box, "start", "--json")  # already started: waits until each is ready, starts nothing twice
    assert result.ok, result.stderr + result.stdout + box.run(["journalctl", "--no-pager", "-n", "60"]).stdout
    print(f"target start -> all ready: {time.monotonic() - started:.1f} s")
    assert json.loads(result.stdout)["backend"] == "systemd"
    for model in ("alpha", "beta"):
        poll(lambda m=model: chat(ports["gateway"], m), what=f"chat with {model} through the gateway")

    victim = show(box, "citadel-llm@beta.service")["MainPID"]
    killed = time.monotonic()
    box.run(["kill", "-9", victim]).check("kill -9")
    poll(lambda: show(box, "citadel-llm@beta.service")["MainPID"] not in ("0", victim), what="beta restarted")
    poll(lambda: chat(ports["gateway"], "beta"), deadline_s=30, what="the gateway serves beta again")
    print(f"kill -9 -> the gateway serves beta again: {time.monotonic() - killed:.1f} s")
    # active once its ExecStartPost= (wait-ready) passed, which may lag the gateway's own health check
    beta = poll(lambda: (s := statuses(box)["beta"])["ready"] and s["state"] == "active" and s,
                what="status shows beta active and ready")
    assert beta["restarts"] == 1 and beta["backend"] == "systemd" and beta["pid"]


def test_pre_start_check_failure_leaves_unit_failed_with_message(box, deployment):
    ports = deployment
    assert cli(box, "stop", "alpha").ok
    with socket.socket() as squatter:  # the container shares the host network
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", ports["alpha"]))
        squatter.listen()
        result = cli(box, "start", "alpha")
        assert not result.ok and "citadel-llm@alpha.service" in result.stderr
        state = poll(lambda: (s := show(box, "citadel-llm@alpha.service"))["Result"] != "success" and s,
                     what="alpha failed")
        assert state["ActiveState"] in ("failed", "activating") and state["MainPID"] == "0"
        journal = box.run(["journalctl", "-u", "citadel-llm@alpha.service", "--no-pager"]).stdout
        assert str(ports["alpha"]) in journal and "ExecStartPre" not in result.stdout
        print("journal of the failed pre-start check:\n" + "\n".join(journal.splitlines()[-8:]))


def test_stop_leaves_no_process_of_ours(box, deployment):
    result = cli(box, "stop", "--json")
    assert result.ok, result.stderr
    ours = [p for p in box.processes() if "citadel_cli" in " ".join(p.cmdline())]
    assert not ours, [p.cmdline() for p in ours]
    assert {s["state"] for s in statuses(box).values()} <= {"inactive", "failed"}
