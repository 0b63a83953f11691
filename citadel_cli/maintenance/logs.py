"""Logs: error counts of the last 24 hours (daily), compression and retention (weekly).

The services append to `<service>.log`; rotated or old files beside them are compressed after
`log_compress_days` and deleted after `log_retention_days`, judged by modification time (a
compressed file keeps the original's, so its age is the age of its last line).
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from citadel_cli.fsutil import disk_error
from citadel_cli.maintenance.context import JobContext
from citadel_cli.maintenance.models import JobResult, Status
from citadel_cli.services import GATEWAY

ERROR_RE = re.compile(r"\b(ERROR|CRITICAL|FATAL|Traceback)\b")
# A leading timestamp, as uvicorn, vLLM and Python logging write it: 2024-05-01 12:00:00 or ISO 8601.
STAMP_RE = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})")
DAY_S = 86400


def _files(logs_dir: Path) -> list[Path]:
    if not logs_dir.is_dir():
        return []
    return sorted(p for p in logs_dir.rglob("*") if p.is_file() and not p.is_symlink())


def _line_time(line: str) -> datetime | None:
    match = STAMP_RE.search(line[:64])
    if not match:
        return None
    try:
        return datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}")
    except ValueError:
        return None


def count_errors(path: Path, since: datetime) -> int:
    """Error lines of a plain-text log; a line with a timestamp counts only when it is recent."""
    count = 0
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not ERROR_RE.search(line):
                continue
            stamp = _line_time(line)
            # Log timestamps are local time without a zone: compare as naive local time.
            if stamp is None or stamp >= since:
                count += 1
    return count


def log_errors_job(ctx: JobContext) -> JobResult:
    now = ctx.now()
    cutoff = now.timestamp() - DAY_S
    since_local = datetime.fromtimestamp(cutoff)
    counts = {}
    for path in _files(ctx.paths.logs):
        if path.suffix == ".gz" or path.name.startswith(".") or path.stat().st_mtime < cutoff:
            continue
        counts[str(path.relative_to(ctx.paths.logs))] = count_errors(path, since_local)
    total = sum(counts.values())
    noisy = {name: n for name, n in counts.items() if n}
    details = {"window_hours": 24, "files": counts, "total": total}
    if not total:
        return JobResult(name="log-errors", status=Status.ok, summary=f"no errors in {len(counts)} log files",
                         details=details)
    listing = ", ".join(f"{name} {n}" for name, n in sorted(noisy.items(), key=lambda kv: -kv[1]))
    return JobResult(name="log-errors", status=Status.warn, summary=f"{total} error lines in 24 h: {listing}",
                     details=details)


log_errors_job.job_name = "log-errors"


def _active_logs(ctx: JobContext) -> set[Path]:
    """Files a service may be appending to right now: never compressed, never deleted."""
    names = [*ctx.config.models, GATEWAY]
    return {ctx.paths.log_file(name) for name in names}


def gzip_file(path: Path) -> Path:
    """`path` -> `path.gz` atomically (temp, fsync, rename), keeping its mtime; then drop the original."""
    target = path.with_name(path.name + ".gz")
    stat = path.stat()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=int(stat.st_mtime)) as gz:
            with path.open("rb") as src:
                shutil.copyfileobj(src, gz, 1 << 20)
            gz.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.utime(tmp, (stat.st_atime, stat.st_mtime))
        os.chmod(tmp, stat.st_mode & 0o777)
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise disk_error(exc, target) from None
    path.unlink()
    return target


def rotate_logs(ctx: JobContext) -> dict:
    spec = ctx.config.maintenance
    now = ctx.now().timestamp()
    compress_before = now - spec.log_compress_days * DAY_S
    delete_before = now - spec.log_retention_days * DAY_S
    active = _active_logs(ctx)
    done: dict[str, list[str]] = {"compressed": [], "deleted": [], "kept_active": []}
    freed = 0
    for path in _files(ctx.paths.logs):
        mtime = path.stat().st_mtime
        if path in active:
            done["kept_active"].append(path.name)
            continue
        if mtime < delete_before or (path.name.startswith(".") and mtime < now - DAY_S):
            freed += path.stat().st_size  # expired, or a temp file a killed run left behind
            path.unlink()
            done["deleted"].append(path.name)
        elif mtime < compress_before and path.suffix != ".gz" and not path.name.startswith("."):
            before = path.stat().st_size
            freed += before - gzip_file(path).stat().st_size
            done["compressed"].append(path.name)
    return {**done, "freed_bytes": freed}


def log_retention_job(ctx: JobContext) -> JobResult:
    spec = ctx.config.maintenance
    details = rotate_logs(ctx)
    summary = (f"compressed {len(details['compressed'])} (> {spec.log_compress_days} d), deleted "
               f"{len(details['deleted'])} (> {spec.log_retention_days} d), freed {details['freed_bytes']} bytes")
    return JobResult(name="log-retention", status=Status.ok, summary=summary, details=details)


log_retention_job.job_name = "log-retention"


def report_retention_job(ctx: JobContext) -> JobResult:
    """Reports older than report_retention_days go (the monthly trends need only the last months)."""
    days = ctx.config.maintenance.report_retention_days
    cutoff = (ctx.now() - timedelta(days=days)).timestamp()
    deleted = []
    for path in sorted(ctx.reports_dir.glob("*.json")) if ctx.reports_dir.is_dir() else []:
        if path.stat().st_mtime < cutoff:
            path.unlink()
            deleted.append(path.name)
    return JobResult(name="report-retention", status=Status.ok,
                     summary=f"deleted {len(deleted)} reports older than {days} d", details={"deleted": deleted})


report_retention_job.job_name = "report-retention"
