"""Stale download temp files under the models dir: what an interrupted pull leaves behind."""

from __future__ import annotations

from citadel_cli.maintenance.context import JobContext
from citadel_cli.maintenance.models import JobResult, Status

PATTERNS = ("*.incomplete", "*.partial")
STALE_S = 86400  # a download older than a day is not still running


def cleanup_downloads_job(ctx: JobContext) -> JobResult:
    cutoff = ctx.now().timestamp() - STALE_S
    deleted, freed = [], 0
    root = ctx.paths.models
    for pattern in PATTERNS:
        for path in sorted(root.rglob(pattern)) if root.is_dir() else []:
            stat = path.lstat()
            if path.is_file() and stat.st_mtime < cutoff:
                path.unlink()
                deleted.append(str(path.relative_to(root)))
                freed += stat.st_size
    return JobResult(name="cleanup-downloads", status=Status.ok,
                     summary=f"deleted {len(deleted)} stale download files, freed {freed} bytes",
                     details={"deleted": deleted, "freed_bytes": freed})


cleanup_downloads_job.job_name = "cleanup-downloads"
