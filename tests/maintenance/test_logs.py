"""Log compression and retention on files with faked ages; error counts of the last 24 hours."""

from __future__ import annotations

import gzip
import os
import time
from datetime import datetime, timedelta

from citadel_cli.maintenance.logs import log_errors_job, log_retention_job, report_retention_job
from citadel_cli.maintenance.models import Status

DAY = 86400


def aged(path, days: float, text: str = "line\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    stamp = time.time() - days * DAY
    os.utime(path, (stamp, stamp))
    return path


def test_old_logs_are_compressed_and_expired_ones_deleted(job_ctx):
    logs = job_ctx.paths.logs
    fresh = aged(logs / "tiny.log.1", 2)
    week_old = aged(logs / "tiny.log.2", 8, "old lines\n" * 100)
    expired = aged(logs / "gateway.log.9.gz", 31)
    expired_plain = aged(logs / "engine-2020.log", 40)
    active = aged(logs / "tiny.log", 60)  # the live file of a service that has been quiet: never touched
    result = log_retention_job(job_ctx)
    assert result.status is Status.ok
    assert fresh.exists() and active.exists()
    assert not week_old.exists() and not expired.exists() and not expired_plain.exists()
    packed = logs / "tiny.log.2.gz"
    assert gzip.decompress(packed.read_bytes()) == b"old lines\n" * 100
    # The compressed file keeps the original's age, so it expires 30 days after its last line.
    assert abs(packed.stat().st_mtime - (time.time() - 8 * DAY)) < 5
    assert sorted(result.details["compressed"]) == ["tiny.log.2"]
    assert sorted(result.details["deleted"]) == ["engine-2020.log", "gateway.log.9.gz"]
    assert not [p for p in logs.iterdir() if p.name.startswith(".")]  # no temp left


def test_retention_days_come_from_the_config(job_ctx):
    spec = job_ctx.config.maintenance.model_copy(update={"log_compress_days": 1, "log_retention_days": 3})
    job_ctx.config = job_ctx.config.model_copy(update={"maintenance": spec})
    two_days = aged(job_ctx.paths.logs / "a.log.1", 2)
    four_days = aged(job_ctx.paths.logs / "a.log.2", 4)
    log_retention_job(job_ctx)
    assert not two_days.exists() and (job_ctx.paths.logs / "a.log.1.gz").exists() and not four_days.exists()


def test_old_reports_are_pruned(job_ctx):
    old = aged(job_ctx.reports_dir / "daily-20200101T000000000000Z.json", 91, "{}")
    recent = aged(job_ctx.reports_dir / "daily-20990101T000000000000Z.json", 10, "{}")
    report_retention_job(job_ctx)
    assert recent.exists() and not old.exists()


def test_error_lines_of_the_last_day_are_counted(job_ctx):
    now = datetime.now()
    old = (now - timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S")
    new = (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    (job_ctx.paths.logs).mkdir(parents=True)
    (job_ctx.paths.logs / "gateway.log").write_text(
        f"{old} ERROR old failure\n{new} ERROR upstream timeout\n{new} INFO fine\nTraceback (most recent call last):\n")
    aged(job_ctx.paths.logs / "tiny.log.3", 3, "ERROR ancient file\n")
    result = log_errors_job(job_ctx)
    assert result.status is Status.warn
    assert result.details["files"] == {"gateway.log": 2}
    assert result.details["total"] == 2
