"""The routine frame: lock, reports, history, exit codes, one line for cron."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from citadel_cli.maintenance.context import JobContext
from citadel_cli.maintenance.models import JobResult, RunReport, Status
from citadel_cli.maintenance.runner import history, run_routine


def ok_job(ctx: JobContext) -> JobResult:
    return JobResult(name="ok-job", status=Status.ok, summary="fine")


def broken_job(ctx: JobContext) -> JobResult:
    raise RuntimeError("boom")


def test_a_broken_job_fails_the_run_but_not_the_others(job_ctx):
    report = run_routine("daily", [broken_job, ok_job], job_ctx)
    assert report.status is Status.fail
    assert [j.status for j in report.jobs] == [Status.fail, Status.ok]
    assert "RuntimeError: boom" in report.jobs[0].summary
    saved = RunReport.model_validate_json(Path(report.report_file).read_text())
    assert saved.jobs[1].name == "ok-job"


def test_history_reads_the_reports_back(job_ctx):
    run_routine("daily", [ok_job], job_ctx)
    run_routine("weekly", [broken_job], job_ctx)
    entries = history(job_ctx.reports_dir).entries
    assert [(e.routine, e.status) for e in entries] == [("daily", Status.ok), ("weekly", Status.fail)]
    assert entries[1].problems and history(job_ctx.reports_dir, "daily").entries[0].routine == "daily"


def test_a_concurrent_run_exits_already_running(cli, config_file, job_ctx):
    # Another process holds the lock, as a long weekly run would.
    code = ("import sys; from pathlib import Path; from citadel_cli.maintenance.runner import routine_lock\n"
            f"with routine_lock(Path({str(job_ctx.paths.locks)!r})) as held:\n"
            "    print('held' if held else 'busy', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = cli("--config", config_file, "maintenance", "daily")
        assert result.exit_code == 0
        assert "already running" in result.stdout and len(result.stdout.strip().splitlines()) == 1
        as_json = cli("--config", config_file, "maintenance", "daily", "--json")
        assert as_json.exit_code == 0 and json.loads(as_json.stdout)["already_running"] is True
    finally:
        holder.communicate("", timeout=10)
    assert not job_ctx.reports_dir.exists() or not list(job_ctx.reports_dir.iterdir())


def test_cli_daily_without_services_is_one_line_and_exit_1(cli, config_file, job_ctx):
    result = cli("--config", config_file, "maintenance", "daily")
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("maintenance daily: fail")
    assert "\x1b[" not in result.stdout  # no colour without a TTY
    hist = cli("--config", config_file, "maintenance", "history", "--json")
    entries = json.loads(hist.stdout)["entries"]
    assert [e["routine"] for e in entries] == ["daily"]


def test_cli_json_report_is_what_monitoring_reads(cli, config_file, monkeypatch):
    monkeypatch.setattr("citadel_cli.maintenance.updates.latest", lambda *a: None)  # no package index in tests
    result = cli("--config", config_file, "maintenance", "monthly", "--json")
    report = json.loads(result.stdout)
    assert report["routine"] == "monthly" and report["status"] in ("ok", "warn", "fail")
    assert {j["name"] for j in report["jobs"]} == {"capacity", "security", "updates"}
    assert all(set(j) >= {"name", "status", "summary", "details"} for j in report["jobs"])
    assert result.exit_code == (1 if report["status"] == "fail" else 0)
