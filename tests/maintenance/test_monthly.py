"""Monthly: capacity trends from daily reports, the security audit, offline-safe update check."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from citadel_cli.fsutil import atomic_write
from citadel_cli.maintenance.capacity import capacity_job
from citadel_cli.maintenance.models import JobResult, RunReport, Status
from citadel_cli.maintenance.runner import write_report
from citadel_cli.maintenance.security import security_job
from citadel_cli.maintenance.updates import updates_job
from citadel_cli.units import render_units
from gateway.keys import KeyStore


def daily_report(job_ctx, days_ago: int, used_pct: float, requests: int) -> None:
    started = job_ctx.now() - timedelta(days=days_ago)
    disk = JobResult(name="disk", status=Status.ok, summary="", details={
        "filesystems": {"/data": {"used_pct": used_pct}}, "memory": {"used_pct": 40.0}})
    metrics = JobResult(name="gateway-metrics", status=Status.ok, summary="", details={"requests": requests})
    write_report(RunReport(routine="daily", status=Status.ok, started=started, finished=started, host="h",
                           version="0", jobs=[disk, metrics]), job_ctx.reports_dir)


def test_capacity_trends_project_a_filling_disk(job_ctx):
    for day, (pct, req) in enumerate([(70, 100), (72, 120), (74, 140), (76, 160)]):
        daily_report(job_ctx, 10 - day, pct, req)
    daily_report(job_ctx, 60, 10, 5)  # outside the 31-day window
    result = capacity_job(job_ctx)
    trend = result.details["trends"]["disk_used_pct:/data"]
    assert trend["per_day"] == 2.0 and trend["days_until_full"] == 12.0 and trend["samples"] == 4
    assert result.status is Status.warn and "/data full in ~12 days" in result.summary
    assert result.details["trends"]["requests_per_run"]["last"] == 160


def test_capacity_needs_two_reports(job_ctx):
    assert capacity_job(job_ctx).status is Status.skip


def test_security_audit_finds_loose_modes_and_unused_keys(job_ctx):
    paths = job_ctx.paths
    atomic_write(paths.config_file, "profile: local\n", mode=0o644)
    atomic_write(paths.env_file("tiny"), "HF_TOKEN=x\n", mode=0o644)
    store = KeyStore(paths.keys_db)
    old, old_secret = store.create("forgotten")
    store.create("busy")
    with sqlite3.connect(paths.keys_db) as conn:  # created 100 days ago and never used since
        conn.execute("UPDATE keys SET created = ? WHERE id = ?", (job_ctx.now().timestamp() - 100 * 86400, old.id))
    result = security_job(job_ctx)
    assert result.status is Status.warn
    findings = result.details["findings"]
    assert any("tiny.env holds secrets" in f for f in findings)
    assert [k["name"] for k in result.details["unused_keys"]] == ["forgotten"]
    assert old_secret not in result.model_dump_json()  # never a key in a report


def test_security_audit_scores_installed_units(job_ctx):
    for path, text in render_units(job_ctx.config, job_ctx.paths).items():
        atomic_write(path, text)
    result = security_job(job_ctx)
    scores = result.details["unit_exposure"]
    if job_ctx.runner.which("systemd-analyze") is None:
        assert isinstance(scores, str) and scores.startswith("skipped")
        return
    assert set(scores) == {"citadel-llm@.service", "citadel-llm-gateway.service"}
    assert all(s["exposure"] < 5 for s in scores.values()), scores


def test_updates_are_skipped_when_the_index_is_unreachable(job_ctx, monkeypatch):
    monkeypatch.setattr("citadel_cli.maintenance.updates.latest", lambda *a: None)
    result = updates_job(job_ctx)
    assert result.status is Status.skip and "not reachable" in result.summary


def test_updates_report_a_newer_release(job_ctx, monkeypatch):
    monkeypatch.setattr("citadel_cli.maintenance.updates.latest", lambda python, package, ctx: "99.0.0")
    result = updates_job(job_ctx)
    assert result.status is Status.warn and "citadel-llm" in result.summary and "99.0.0" in result.summary
