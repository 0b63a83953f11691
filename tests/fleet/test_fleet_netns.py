"""The accepted-when of issue 14, on this machine: a three-host fleet (network namespaces with
sshd) comes up from one `citadel-llm fleet deploy` through the real Ansible path, the gateway on
the first host routes across all, losing one host's engines fails no request, and
`fleet status` shows it."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from citadel_cli.host.runner import Runner
from tests.fleet.netns import NetnsFleet, missing_prerequisite

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]
CITADEL = Path(sys.executable).parent / "citadel-llm"
GATEWAY_PORT = 18080
# model -> hosts: every model has two replicas, so any one host can go.
PLACEMENT = {"alpha": ["h1", "h2"], "beta": ["h2", "h3"], "gamma": ["h1", "h3"]}


@pytest.fixture
def netns_fleet(tmp_path: Path) -> Iterator[NetnsFleet]:
    runner = Runner()
    why = missing_prerequisite(runner)
    if why is None and not (Path(sys.executable).parent / "ansible-playbook").is_file():
        why = "ansible-playbook is not in this venv (pip install -e '.[test,ansible]')"
    if why:
        print(f"SKIP: {why}")
        pytest.skip(why)
    fleet = NetnsFleet(tmp_path / "net", 3, runner)
    try:
        yield fleet.up()
    finally:
        fleet.down()


def _model(port: int) -> dict[str, object]:
    return {"repo": "acme/sim", "port": port, "context_length": 2048, "max_num_batched_tokens": 2048,
            "max_num_seqs": 16, "memory": "256M", "cpus": 1, "p95_ms": 500, "rpm": 60, "engine": "sim",
            "sim": {"ttft_ms": 5, "itl_ms": 1}}


def _config(tmp_path: Path, fleet: NetnsFleet) -> Path:
    models: dict[str, object] = {k: None for k in ("mixtral-8x7b", "hermes-2", "openchat-3.5", "phi-3-mini")}
    models.update({key: _model(12101 + i) for i, key in enumerate(PLACEMENT)})
    hosts = []
    for host in fleet.hosts:
        state = tmp_path / "hosts" / host.name
        overrides: dict[str, object] = {"gateway": {"host": "0.0.0.0"}} if host.name == "h1" else {}
        hosts.append({"name": host.name, "address": host.address, "ssh_key": str(fleet.key),
                      "python": sys.executable, "citadel": str(CITADEL),
                      "config_path": str(state / "config.yaml"), "env": {"XDG_STATE_HOME": str(state / "xdg")},
                      "models": [m for m, on in PLACEMENT.items() if host.name in on], "overrides": overrides})
    doc = {"profile": "local", "models": models, "hosts": hosts,
           "gateway": {"port": GATEWAY_PORT, "default_model": "alpha", "health_interval_s": 1.0,
                       "connect_timeout_s": 2.0, "request_timeout_s": 10.0}}
    path = tmp_path / "fleet.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


class Load:
    """Chat requests for every model through the gateway, in a loop, counting failures."""

    def __init__(self, url: str) -> None:
        self.url, self.ok, self.failed, self.errors = url, 0, 0, []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=15.0) as client:
            while not self._stop.is_set():
                for model in PLACEMENT:
                    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 4}
                    try:
                        status = client.post(f"{self.url}/v1/chat/completions", json=body).status_code
                    except httpx.HTTPError as exc:
                        status, self.errors = 0, [*self.errors, f"{model}: {exc!r}"]
                    if status == 200:
                        self.ok += 1
                    else:
                        self.failed += 1
                        self.errors.append(f"{model}: HTTP {status}")

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def _wait_for(predicate, timeout: float, what: str) -> None:  # noqa: ANN001 - a callable
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_three_host_fleet_survives_losing_a_host(cli, netns_fleet: NetnsFleet, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in netns_fleet.ssh_env().items():
        monkeypatch.setenv(name, value)
    config = _config(tmp_path, netns_fleet)
    started = time.monotonic()
    deployed = cli("--config", config, "fleet", "deploy", "--yes", "--json")
    print(f"fleet deploy: {time.monotonic() - started:.1f}s")
    assert deployed.exit_code == 0, deployed.stdout + deployed.stderr
    result = json.loads(deployed.stdout)
    assert [h["state"] for h in result["hosts"]] == ["ok", "ok", "ok"], result
    gateway = result["gateway_url"]
    assert gateway == f"http://{netns_fleet.hosts[0].address}:{GATEWAY_PORT}"

    # The gateway on h1 routes across all hosts: every replica takes requests.
    servers = _servers(gateway)
    _wait_for(lambda: all(s["healthy"] for s in _servers(gateway)), 15, "every backend healthy")
    assert len(servers) == 6

    h3 = netns_fleet.hosts[2]
    with Load(gateway) as load:
        _wait_for(lambda: load.ok >= 30, 30, "requests before the redeploy")
        # A rolling redeploy of one host: drained at the gateway, deployed, put back.
        again = cli("--config", config, "fleet", "deploy", "--limit", "h2", "--yes", "--json")
        assert again.exit_code == 0, again.stdout + again.stderr
        rows = {h["host"]: h for h in json.loads(again.stdout)["hosts"]}
        assert rows["h2"]["steps"] == {"drained": 2, "undrained": 2, "backends": 2}, rows["h2"]
        assert rows["h1"]["state"] == rows["h3"]["state"] == "skipped"
        assert not any(s["drained"] for s in _servers(gateway))
        stopped = Runner().run(["ip", "netns", "exec", h3.netns, str(CITADEL), "--config",
                                str(tmp_path / "hosts/h3/config.yaml"), "stop", "--json"],
                               env={"XDG_STATE_HOME": str(tmp_path / "hosts/h3/xdg")}, timeout=60)
        assert stopped.ok, stopped.stderr
        before = load.ok
        _wait_for(lambda: load.ok >= before + 60, 60, "requests after the loss")
    print(f"load (rolling redeploy of h2, then h3 lost): {load.ok} ok, {load.failed} failed")
    assert load.failed == 0, load.errors[:5]

    status = cli("--config", config, "fleet", "status", "--json")
    assert status.exit_code == 1  # a host is down: not ok, but every model still served
    view = json.loads(status.stdout)
    rows = {h["host"]: h for h in view["hosts"]}
    assert rows["h1"]["state"] == rows["h2"]["state"] == "ok"
    assert rows["h3"]["state"] == "failed" and "down:" in rows["h3"]["summary"]
    assert all(m["serving"] for m in view["models"]), view["models"]
    assert view["hosts_down"] == ["h3"]

    diagnosed = cli("--config", config, "fleet", "diagnose", "--limit", "h2", "--json")
    row = {h["host"]: h for h in json.loads(diagnosed.stdout)["hosts"]}["h2"]
    assert row["summary"].startswith(("OK", "WARN", "FAIL")), row  # h2's own diagnose verdict
    print(f"whole fleet test: {time.monotonic() - started:.1f}s")


def _servers(gateway: str) -> list[dict[str, object]]:
    return httpx.get(f"{gateway}/servers/status", timeout=5).json()["servers"]
