"""Runs a routine unattended: one lock so runs never overlap, every job isolated, a JSON report
per run under reports/maintenance/, and the history read back from those reports."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

from citadel_cli import __version__
from citadel_cli.errors import CitadelError
from citadel_cli.fsutil import atomic_write, disk_error
from citadel_cli.maintenance.context import JobContext
from citadel_cli.maintenance.models import History, HistoryEntry, JobResult, RunReport, Status, worst

Job = Callable[[JobContext], JobResult]
LOCK_NAME = "maintenance.lock"


@contextlib.contextmanager
def routine_lock(locks_dir: Path) -> Iterator[bool]:
    """Yields True while holding the one maintenance lock, False when another run holds it.

    One lock for all routines: a weekly run compressing logs must not race a daily run reading them.
    flock is released by the kernel when the holder dies, so a killed run never blocks the next.
    """
    try:
        locks_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(locks_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise disk_error(exc, locks_dir / LOCK_NAME) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for a person looking
        yield True
    finally:
        os.close(fd)


def run_job(job: Job, ctx: JobContext) -> JobResult:
    """One job's outcome; a job that raises is a failed job, not a failed run."""
    name = getattr(job, "job_name", job.__name__)
    started = time.monotonic()
    try:
        result = job(ctx)
    except CitadelError as exc:
        result = JobResult(name=name, status=Status.fail, summary=exc.message,
                           details={"hint": exc.hint} if exc.hint else {})
    except Exception as exc:  # unattended: a bug in one job is reported, the other jobs still run
        result = JobResult(name=name, status=Status.fail, summary=f"internal error: {type(exc).__name__}: {exc}",
                           details={"traceback": traceback.format_exc()})
    result.duration_s = round(time.monotonic() - started, 3)
    return result


def run_routine(routine: str, jobs: list[Job], ctx: JobContext) -> RunReport:
    """Every job under the lock, then the report written; 'already running' when locked."""
    started = ctx.now()
    with routine_lock(ctx.paths.locks) as held:
        if not held:
            return RunReport(routine=routine, status=Status.ok, started=started, finished=ctx.now(),
                             host=socket.gethostname(), version=__version__, already_running=True)
        results = [run_job(job, ctx) for job in jobs]
        report = RunReport(routine=routine, status=worst([r.status for r in results]), started=started,
                           finished=ctx.now(), host=socket.gethostname(), version=__version__, jobs=results)
        write_report(report, ctx.reports_dir)
    return report


def write_report(report: RunReport, reports_dir: Path) -> Path:
    stamp = report.started.strftime("%Y%m%dT%H%M%S%fZ")
    path = reports_dir / f"{report.routine}-{stamp}.json"
    report.report_file = str(path)
    atomic_write(path, report.model_dump_json(indent=2) + "\n")
    return path


def load_reports(reports_dir: Path, routine: str | None = None) -> list[RunReport]:
    """Every readable report, oldest first; a damaged file is skipped (it must not stop the history)."""
    reports = []
    pattern = f"{routine}-*.json" if routine else "*-*.json"
    for path in sorted(reports_dir.glob(pattern)):
        try:
            reports.append(RunReport.model_validate_json(path.read_bytes()))
        except (OSError, ValueError):
            continue
    return sorted(reports, key=lambda r: r.started)


def previous_report(reports_dir: Path, routine: str) -> RunReport | None:
    reports = load_reports(reports_dir, routine)
    return reports[-1] if reports else None


def history(reports_dir: Path, routine: str | None = None, limit: int = 50) -> History:
    entries = [
        HistoryEntry(routine=r.routine, status=r.status, started=r.started,
                     duration_s=round((r.finished - r.started).total_seconds(), 3), report_file=r.report_file or "",
                     problems=[f"{j.name}: {j.summary}" for j in r.jobs if j.status in (Status.warn, Status.fail)])
        for r in load_reports(reports_dir, routine)
    ]
    return History(entries=entries[-limit:])
