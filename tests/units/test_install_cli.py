"""`citadel-llm install` / `uninstall` under `--root tmp_path` through the real CLI (never the engine venv)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from conftest import analyze, needs_systemd_analyze


def _install(cli, config_file: Path, stage: Path, *extra: str):
    return cli("--config", config_file, "install", "--root", stage, "--no-engine", *extra)


def _tree(root: Path) -> dict[str, tuple[int, bytes | None]]:
    return {str(p.relative_to(root)): (p.stat().st_mode, p.read_bytes() if p.is_file() else None)
            for p in sorted(root.rglob("*"))}


def test_install_twice_changes_nothing(cli, config_file: Path, stage: Path) -> None:
    first = _install(cli, config_file, stage, "--yes")
    assert first.exit_code == 0, first.output
    before = _tree(stage)
    second = _install(cli, config_file, stage, "--yes", "--json")
    assert second.exit_code == 0, second.output
    result = json.loads(second.stdout)
    assert result["created"] == result["updated"] == result["removed"] == 0 and result["unchanged"] > 10
    assert _tree(stage) == before
    plan = json.loads(_install(cli, config_file, stage, "--dry-run", "--json").stdout)
    assert {f["action"] for f in plan["files"]} == {"unchanged"}
    assert {d["action"] for d in plan["dirs"]} == {"unchanged"}


def test_dry_run_writes_nothing(cli, config_file: Path, stage: Path) -> None:
    result = _install(cli, config_file, stage, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "create" in result.stdout and "skip" in result.stdout  # user creation skipped under staging
    assert list(stage.iterdir()) == []


def test_plan_needs_yes_without_a_terminal(cli, config_file: Path, stage: Path) -> None:
    result = _install(cli, config_file, stage)
    assert result.exit_code == 2
    assert "--yes" in result.stderr
    assert list(stage.iterdir()) == []


def test_modes_and_host_paths(cli, config_file: Path, stage: Path) -> None:
    assert _install(cli, config_file, stage, "--yes").exit_code == 0
    mode = lambda p: stat.S_IMODE((stage / p).stat().st_mode)  # noqa: E731
    assert mode("etc/citadel-llm") == 0o750 and mode("etc/citadel-llm/env/phi-3-mini.env") == 0o640
    assert mode("var/lib/citadel-llm") == 0o750 and mode("etc/citadel-llm/config.yaml") == 0o640
    env = (stage / "etc/citadel-llm/env/phi-3-mini.env").read_text()
    assert "CITADEL_CONFIG=/etc/citadel-llm/config.yaml\n" in env and "HF_HUB_OFFLINE=1" in env
    assert str(stage) not in env and "VLLM_CACHE_ROOT=/var/lib/citadel-llm/cache/vllm" in env
    assert str(stage) not in (stage / "etc/citadel-llm/config.yaml").read_text()  # written as the host reads it


def test_operator_config_is_never_overwritten_and_diff_shown(cli, config_file: Path, stage: Path) -> None:
    installed = stage / "etc/citadel-llm/config.yaml"
    installed.parent.mkdir(parents=True)
    installed.write_text("# mine\n")
    assert _install(cli, config_file, stage, "--yes").exit_code == 0
    assert installed.read_text() == "# mine\n"
    unit = stage / "etc/systemd/system/citadel-llm-gateway.service"
    unit.write_text(unit.read_text().replace("RestartSec=10", "RestartSec=99"))
    shown = _install(cli, config_file, stage, "--dry-run", "-v")
    assert "-RestartSec=99" in shown.stdout and "+RestartSec=10" in shown.stdout
    assert _install(cli, config_file, stage, "--yes").exit_code == 0
    assert "RestartSec=10" in unit.read_text()


def test_schedule_switch_removes_the_other_kind(cli, config_file: Path, stage: Path) -> None:
    assert _install(cli, config_file, stage, "--yes").exit_code == 0
    timer = stage / "etc/systemd/system/citadel-llm-maintenance-daily.timer"
    assert timer.exists()
    assert _install(cli, config_file, stage, "--yes", "--schedule", "cron").exit_code == 0
    cron = (stage / "etc/cron.d/citadel-llm").read_text()
    assert not timer.exists()
    assert "15 3 * * * citadel " in cron and " -m citadel_cli maintenance daily\n" in cron
    assert "CITADEL_CONFIG=/etc/citadel-llm/config.yaml" in cron


def test_uninstall_leaves_nothing_of_ours(cli, config_file: Path, stage: Path) -> None:
    assert _install(cli, config_file, stage, "--yes").exit_code == 0
    (stage / "var/log/citadel-llm/gateway.log").write_text("a log line\n")
    (stage / "opt/citadel/models/phi-3-mini").mkdir()
    (stage / "opt/citadel/models/phi-3-mini/config.json").write_text("{}")
    kept = cli("--config", config_file, "uninstall", "--root", stage, "--yes")
    assert kept.exit_code == 0, kept.output
    left = {str(p.relative_to(stage)) for p in stage.rglob("*") if p.is_file()}
    assert left == {"opt/citadel/models/phi-3-mini/config.json"}  # models go only with --purge
    # Reinstall, then purge: the root is empty again.
    assert _install(cli, config_file, stage, "--yes").exit_code == 0
    purged = cli("--config", config_file, "uninstall", "--root", stage, "--yes", "--purge")
    assert purged.exit_code == 0, purged.output
    assert [p for p in stage.rglob("*") if not p.is_dir()] == []
    # /opt was there before the second install (the kept models' parent): not ours to remove.
    assert [str(p.relative_to(stage)) for p in stage.rglob("*")] == ["opt"]


def test_uninstall_without_install_says_so(cli, config_file: Path, stage: Path) -> None:
    result = cli("--config", config_file, "uninstall", "--root", stage, "--yes")
    assert result.exit_code == 1 and "nothing to uninstall" in result.stderr


@needs_systemd_analyze
def test_installed_units_verify(cli, config_file: Path, stage: Path) -> None:
    assert _install(cli, config_file, stage, "--yes").exit_code == 0
    units = stage / "etc/systemd/system"
    result = analyze("verify", "citadel-llm@phi-3-mini.service", "citadel-llm-gateway.service",
                     "citadel-llm.target", "citadel-llm-maintenance@weekly.service", cwd=units)
    assert result.returncode == 0 and result.stderr == "", result.stderr
