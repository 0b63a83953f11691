"""Diagnose on a real local deployment (supervisor + simulator engines + gateway on 127.0.0.1):
each induced fault is named with its fix, and a healthy deployment gets a clean verdict."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import pytest
from diagnose_helpers import Deployment, findings, poll

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]


def healthy(dep: Deployment) -> bool:
    code, report = dep.diagnose()
    return code == 0 and not [f for f in report["findings"] if f["level"] == "fail"]


def test_healthy_deployment_has_clean_verdict(deployment):
    code, report = deployment.diagnose()
    assert code == 0, [f for f in report["findings"] if f["level"] != "ok"]
    assert report["verdict"].startswith("OK") and report["ok"]
    assert {f["model"] for f in findings(report, "api.completion")} == {"alpha", "beta", "gamma"}
    assert findings(report, "gateway.ready")[0]["level"] == "ok"
    assert findings(report, "model.files", "gamma")[0]["level"] == "ok"
    facts = report["facts"]
    assert facts["system"]["python"] and facts["resources"]["memory_total"] > 0
    assert {p["service"]: p["ours"] for p in facts["ports"]} == dict.fromkeys(("alpha", "beta", "gamma", "gateway"),
                                                                               True)
    assert {m["model"] for m in facts["engine_metrics"] if m["ok"]} == {"alpha", "beta", "gamma"}
    assert facts["gateway_metrics"]["ok"] and len(facts["gateway_metrics"]["backends"]) == 3
    assert not facts["collector_errors"]


def test_table_output_has_verdict_first(deployment):
    result = deployment.cli("-v", "diagnose")
    assert result.exit_code == 0
    assert result.stdout.lstrip().startswith("OK")


def test_stopped_engine(deployment):
    assert deployment.cli("stop", "beta").exit_code == 0
    try:
        code, report = deployment.diagnose()
        assert code == 1 and report["verdict"].startswith("FAIL")
        (down,) = findings(report, "service.down", "beta")
        assert down["level"] == "fail" and "citadel-llm start beta" in down["fix"]
        assert report["findings"][0]["level"] == "fail"  # ordered by severity
        ready = poll(lambda: [f for f in deployment.diagnose()[1]["findings"]
                              if f["id"] == "gateway.ready" and f["level"] == "fail"])
        assert "beta" in ready[0]["summary"]
    finally:
        assert deployment.cli("start", "beta").exit_code == 0
    poll(lambda: healthy(deployment))


def test_foreign_process_on_port(deployment):
    port = deployment.ports["beta"]
    assert deployment.cli("stop", "beta").exit_code == 0
    foreign = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        poll(lambda: _answers(port))
        code, report = deployment.diagnose()
        assert code == 1
        (held,) = findings(report, "port.foreign", "beta")
        assert str(foreign.pid) in held["summary"] and f"kill {foreign.pid}" in held["fix"]
        assert "models.beta.port" in held["fix"] and "http.server" in " ".join(held["evidence"])
        (down,) = findings(report, "service.down", "beta")
        assert f"port {port}" in down["fix"]  # starting it again would fail: it says free the port first
    finally:
        foreign.send_signal(signal.SIGTERM)
        foreign.wait(10)
        assert deployment.cli("start", "beta").exit_code == 0
    poll(lambda: healthy(deployment))


def _answers(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
    except httpx.HTTPError:
        return False
    return True


def test_backend_answering_500(deployment):
    faults = f"{deployment.url('alpha')}/sim/faults"
    httpx.post(faults, json={"error_rate": 1.0, "error_status": 500}, timeout=5).raise_for_status()
    try:
        code, report = deployment.diagnose()
        assert code == 1
        (probe,) = findings(report, "api.completion", "alpha")
        assert probe["level"] == "fail" and "HTTP 500" in probe["summary"]
        assert "citadel-llm restart alpha" in probe["fix"] and "citadel-llm logs alpha" in probe["fix"]
        assert not findings(report, "service.down")
    finally:
        httpx.post(faults, json={"error_rate": 0.0}, timeout=5).raise_for_status()
    assert healthy(deployment)


def test_oom_line_in_log(deployment):
    with open(deployment.log_file("beta"), "a") as log:
        log.write("Out of memory: Killed process 4242 (python) total-vm:9000000kB, anon-rss:8000000kB\n")
    code, report = deployment.diagnose()
    (oom,) = findings(report, "log.oom", "beta")
    assert "out of memory" in oom["summary"] and "Killed process 4242" in oom["evidence"][0]
    assert "models.beta.memory" in oom["fix"] and "citadel-llm restart beta" in oom["fix"]
    assert oom["level"] == "warn" and code == 0  # beta answers now: a past incident, not a current failure


def test_corrupt_model_file(deployment):
    weights = deployment.root / "weights" / "gamma" / "model.safetensors"
    original = weights.read_bytes()
    try:
        with open(weights, "r+b") as handle:  # same size, different bytes: only the hash sees it
            handle.seek(1000)
            handle.write(bytes(b ^ 0xFF for b in original[1000:1016]))
        code, report = deployment.diagnose()
        assert code == 1
        (bad,) = findings(report, "model.files", "gamma")
        assert bad["level"] == "fail" and "model.safetensors corrupt" in " ".join(bad["evidence"])
        assert "citadel-llm models pull gamma" in bad["fix"]
        weights.write_bytes(original[: len(original) // 2])  # truncated
        (bad,) = findings(deployment.diagnose()[1], "model.files", "gamma")
        assert "model.safetensors wrong size" in " ".join(bad["evidence"])
    finally:
        weights.write_bytes(original)
        os.utime(weights)
    assert findings(deployment.diagnose()[1], "model.files", "gamma")[0]["level"] == "ok"
