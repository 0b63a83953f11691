"""`citadel-llm check`: the reference deployment on this host, and --pre-start's exit codes as a
unit's ExecStartPre= sees them (through the CLI runner and through a real process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
from check_support import GIB, REFERENCE, FakeFacts

from citadel_cli.checks.hostfacts import Memory
from citadel_cli.checks.runner import run_checks
from citadel_cli.config import CitadelConfig, PathsConfig
from citadel_cli.paths import Paths


def reference_report(tmp_path: Path, facts=None):
    config = CitadelConfig(paths=PathsConfig(root=tmp_path))
    return run_checks(config, Paths(config.paths), config.enabled_models(), facts=facts)


def test_reference_models_on_a_24_gib_host(tmp_path):
    report = reference_report(tmp_path, FakeFacts(mem=Memory(total=24 * GIB, available=22 * GIB)))
    by = {(f.id, f.model): f for f in report.findings}
    host = by[("memory.host", "mixtral-8x7b")]
    assert host.level.value == "fail"
    assert "needs 93.0G" in host.summary and "short by 69.0G against total" in host.summary
    assert by[("memory.unit", "mixtral-8x7b")].summary.endswith("MemoryMax 90G: short by 3.0G")
    for key in REFERENCE[1:]:  # the 7B and 3.8B models fit the host, with figures either way
        assert by[("memory.host", key)].level.value == "ok"
        assert by[("memory.unit", key)].summary.startswith("needs ")
    assert by[("memory.unit", "hermes-2")].summary.endswith("MemoryMax 15G: short by 1.5G")
    assert by[("memory.total", None)].level.value == "fail"
    assert all(f.fix for f in report.findings if f.level.value != "ok")
    assert not report.ok


def test_check_all_on_this_machine_through_the_cli(cli, tmp_path):
    result = cli("--root", tmp_path, "check", "--all", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["models"] == list(REFERENCE) and report["ok"] is False
    mixtral = next(f for f in report["findings"] if f["id"] == "memory.host" and f["model"] == "mixtral-8x7b")
    if psutil.virtual_memory().total < 93 * GIB:
        assert mixtral["level"] == "fail" and "short by" in mixtral["summary"]
    assert all(f["fix"] for f in report["findings"] if f["level"] == "fail")
    table = cli("--root", tmp_path, "check", "--all")
    assert table.exit_code == 1 and "some checks failed" in table.stdout and "memory.host" in table.stdout


def test_pre_start_is_silent_and_exits_0_when_the_model_can_start(cli, deployment):
    result = cli("--root", deployment.root, "check", "--pre-start", "tiny")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_pre_start_prints_failures_on_stderr_and_exits_1(cli, deployment):
    deployment.write(memory="2G")
    result = cli("--root", deployment.root, "check", "--pre-start", "tiny")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.startswith("FAIL memory.unit [tiny]: needs 3.0G") and "-- fix: raise" in result.stderr


def test_pre_start_with_a_broken_config_or_unknown_model_fails_with_a_line(cli, deployment):
    result = cli("--root", deployment.root, "check", "--pre-start", "nope")
    assert result.exit_code == 1 and result.stderr.startswith("FAIL config.model: no model 'nope'")
    deployment.config_file.write_text("models: [unclosed\n")
    result = cli("--root", deployment.root, "check", "--pre-start", "tiny")
    assert result.exit_code == 1 and result.stderr.startswith("FAIL config.valid:")


def test_pre_start_needs_exactly_one_model(cli, deployment):
    assert cli("--root", deployment.root, "check", "--pre-start").exit_code == 2
    assert cli("--root", deployment.root, "check", "--pre-start", "--all").exit_code == 2


def test_pre_start_exit_codes_through_a_real_process(deployment):
    """What systemd runs: `python -m citadel_cli check --pre-start KEY`, judged by its exit code."""
    argv = [sys.executable, "-m", "citadel_cli", "--root", str(deployment.root), "check", "--pre-start", "tiny"]
    env = {**os.environ, "NO_COLOR": "1"}
    ok = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "", "")
    weights = Paths(deployment.load()[0].paths).model_dir("tiny") / "model.safetensors"
    weights.write_bytes(b"\0" * 10)
    bad = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 1 and bad.stdout == ""
    assert "FAIL model.files [tiny]: 1 of" in bad.stderr and "model.safetensors wrong size" in bad.stderr
