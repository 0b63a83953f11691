"""`maintenance schedule`: timers by default, the cron file with --cron, never both; next runs."""

from __future__ import annotations

import json

import pytest

from citadel_cli.install.schedule import timer_name

pytestmark = pytest.mark.timeout(60)


def schedule(cli, config_file, *args):
    result = cli("--config", config_file, "maintenance", "schedule", *args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_install_show_remove_timers_then_cron(cli, config_file, job_ctx):
    systemd, cron = job_ctx.paths.systemd, job_ctx.paths.cron / "citadel-llm"
    shown = schedule(cli, config_file, "show")
    assert shown["installed"] == [] and [e["routine"] for e in shown["entries"]] == ["daily", "weekly", "monthly"]
    installed = schedule(cli, config_file, "install")
    assert (systemd / timer_name("weekly")).read_text().count("OnCalendar=Sun *-*-* 04:15:00") == 1
    assert not cron.exists() and len(installed["written"]) == 4
    assert installed["systemctl"] == []  # a staged local profile never touches the host's systemd
    switched = schedule(cli, config_file, "install", "--cron")
    assert cron.is_file() and "15 4 * * 0" in cron.read_text()
    assert not (systemd / timer_name("daily")).exists() and len(switched["removed"]) == 4
    assert switched["entries"][0]["cron"] == "15 3 * * *"
    removed = schedule(cli, config_file, "remove")
    assert removed["installed"] == [] and not cron.exists()


def test_show_lists_next_runs_when_systemd_analyze_exists(cli, config_file, job_ctx):
    if job_ctx.runner.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    entries = schedule(cli, config_file, "show")["entries"]
    assert entries[1]["next_run"].startswith("Sun ")
    table = cli("--config", config_file, "maintenance", "schedule", "show")
    assert table.exit_code == 0 and "citadel-llm-maintenance-monthly.timer" in table.stdout
