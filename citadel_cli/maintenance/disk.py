"""Disk space of every data directory and the host's memory: today's figures, and the series the
monthly capacity report reads back from the daily reports."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from citadel_cli.maintenance.context import JobContext
from citadel_cli.maintenance.models import JobResult, Status

# Thresholds of used space. Candidates for MaintenanceSpec (config.py belongs to the foundation).
DISK_WARN_PCT = 85.0
DISK_FAIL_PCT = 95.0


def _existing(path: Path) -> Path:
    """The path, or its nearest existing parent (a deployment not installed yet still has a disk)."""
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def disk_usage(paths: list[Path]) -> dict[str, dict]:
    """Usage per filesystem (dirs on one device are reported once, under the first that names it)."""
    seen: dict[int, str] = {}
    usage: dict[str, dict] = {}
    for path in paths:
        here = _existing(path)
        device = os.stat(here).st_dev
        if device in seen:
            continue
        seen[device] = str(path)
        total, used, free = shutil.disk_usage(here)
        usage[str(path)] = {"total_bytes": total, "used_bytes": used, "free_bytes": free,
                            "used_pct": round(used * 100 / total, 1) if total else 0.0}
    return usage


def disk_job(ctx: JobContext) -> JobResult:
    import psutil

    usage = disk_usage(ctx.paths.data_dirs())
    full = {p: u["used_pct"] for p, u in usage.items() if u["used_pct"] >= DISK_WARN_PCT}
    mem = psutil.virtual_memory()
    details = {"filesystems": usage, "memory": {"total_bytes": mem.total, "available_bytes": mem.available,
                                                "used_pct": mem.percent}}
    if not full:
        worst = max((u["used_pct"] for u in usage.values()), default=0.0)
        return JobResult(name="disk", status=Status.ok, summary=f"at most {worst:g}% used", details=details)
    status = Status.fail if max(full.values()) >= DISK_FAIL_PCT else Status.warn
    listing = ", ".join(f"{p} {pct:g}%" for p, pct in full.items())
    return JobResult(name="disk", status=status, summary=f"filling up: {listing}",
                     details={**details, "hint": "run `citadel-llm maintenance weekly` to prune logs"})


disk_job.job_name = "disk"
