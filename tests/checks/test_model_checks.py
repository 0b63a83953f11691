"""Per-model checks, each with a passing and a failing case, on real files and sockets."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

from check_support import GIB, FakeFacts

from citadel_cli.checks.findings import Level
from citadel_cli.checks.hostfacts import Memory
from citadel_cli.checks.runner import run_checks


def findings(dep, facts=None, pre_start=True, **tiny):
    if tiny:
        dep.write(**tiny)
    config, paths, source = dep.load()
    report = run_checks(config, paths, [config.model("tiny")], pre_start=pre_start, facts=facts, source=source)
    return {(f.id, f.model): f for f in report.findings}, report


def test_the_staged_tiny_deployment_passes_every_pre_start_check(deployment):
    found, report = findings(deployment)
    assert report.ok, [f.line() for f in report.failures()]
    assert {"model.files", "memory.unit", "memory.kv", "memory.host", "port", "engine.installed",
            "python.version", "cpu.features", "dirs.models", "disk.logs"} <= {key for key, _ in found}


def test_a_truncated_weight_file_fails_the_files_check(deployment):
    config, paths, _ = deployment.load()
    weights = paths.model_dir("tiny") / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    found, report = findings(deployment)
    bad = found[("model.files", "tiny")]
    assert bad.level is Level.fail and "model.safetensors wrong size" in bad.summary
    assert "models pull tiny" in bad.fix and not report.ok


def test_a_missing_model_dir_fails_with_the_pull_command(deployment):
    found, _ = findings(deployment, weights_dir=str(deployment.root / "nowhere"))
    assert found[("model.files", "tiny")].level is Level.fail
    assert "models pull tiny" in found[("model.files", "tiny")].fix


def test_a_memory_budget_too_small_for_the_tiny_model_fails_with_the_size_to_set(deployment):
    found, _ = findings(deployment, memory="2G")
    unit = found[("memory.unit", "tiny")]
    assert unit.level is Level.fail
    assert "MemoryMax 2G: short by" in unit.summary and "memory to 4G" in unit.fix
    assert found[("memory.unit", "tiny")].summary.startswith("needs 3.0G = weights 1.8M (1 files on disk)")


def test_the_kv_cache_must_hold_one_full_sequence(deployment):
    # 2 layers x 4 KV heads x 32 x 2 x 4 bytes = 2 KiB/token: a 1 MiB cache holds 512 tokens, not 2048.
    found, _ = findings(deployment, kv_cache="1M", context_length=2048)
    kv = found[("memory.kv", "tiny")]
    assert kv.level is Level.fail and "holds 512 tokens" in kv.summary and "context_length to 512" in kv.fix
    found, _ = findings(deployment, kv_cache="1M", context_length=512)
    assert found[("memory.kv", "tiny")].level is Level.ok


def test_host_memory_is_what_is_available_before_start(deployment):
    small = FakeFacts(mem=Memory(total=24 * GIB, available=2 * GIB))
    found, _ = findings(deployment, facts=small)
    host = found[("memory.host", "tiny")]
    assert host.level is Level.fail and "against available now" in host.summary and host.fix
    found, _ = findings(deployment, facts=small, pre_start=False)  # a plan is measured against the RAM
    assert found[("memory.host", "tiny")].level is Level.ok


def test_a_real_socket_holding_the_port_fails(deployment):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", deployment.port))
        holder.listen()
        found, _ = findings(deployment)
    port = found[("port", "tiny")]
    assert port.level is Level.fail and f"127.0.0.1:{deployment.port} is held by pid" in port.summary
    assert "move models.tiny.port" in port.fix


def _listen_as_our_engine(port: int) -> subprocess.Popen:
    """A process whose argv looks like our engine's (`... citadel_cli engine run tiny`) holding the port."""
    code = ("import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1);"
            f"s.bind(('127.0.0.1', {port})); s.listen(); print('up', flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", code, "-m", "citadel_cli", "engine", "run", "tiny"],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "up"
    return proc


def test_the_port_held_by_our_own_running_service(deployment):
    proc = _listen_as_our_engine(deployment.port)
    try:
        found, _ = findings(deployment, pre_start=False)
        assert found[("port", "tiny")].level is Level.ok
        assert f"our running service (pid {proc.pid})" in found[("port", "tiny")].summary
        found, _ = findings(deployment, pre_start=True)  # before start it can only be a leftover copy
        assert found[("port", "tiny")].level is Level.fail and f"kill {proc.pid}" in found[("port", "tiny")].fix
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_cores_against_the_budget(deployment):
    found, _ = findings(deployment, facts=FakeFacts(ncores=2), cpus=2)
    assert found[("cpu.cores", "tiny")].level is Level.ok
    found, _ = findings(deployment, facts=FakeFacts(ncores=2), cpus=8)
    assert found[("cpu.cores", "tiny")].level is Level.warn and "cpus: 2" in found[("cpu.cores", "tiny")].fix


def test_the_simulator_needs_no_weights_memory_or_vllm(deployment):
    found, report = findings(deployment, engine="sim", weights_dir=str(deployment.root / "nowhere"))
    assert ("model.files", "tiny") not in found and ("memory.unit", "tiny") not in found
    assert ("engine.installed", None) not in found and report.ok


def test_checks_stay_fast_enough_for_a_unit_start(deployment):
    # Not a benchmark (benchmarks/prestart.py prints the figure): a guard against a 10 s regression.
    start = time.monotonic()
    findings(deployment)
    assert time.monotonic() - start < 10
