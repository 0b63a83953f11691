"""Entry points the CLI calls: run a routine, read the history."""

from __future__ import annotations

import importlib

from citadel_cli.maintenance.context import JobContext
from citadel_cli.maintenance.models import History, RunReport
from citadel_cli.maintenance.runner import history, run_routine

ROUTINES = ("daily", "weekly", "monthly")


def run(routine: str, ctx: JobContext) -> RunReport:
    """Run one routine's jobs under the maintenance lock and write its report."""
    if routine not in ROUTINES:
        raise ValueError(f"unknown routine {routine!r}")
    jobs = importlib.import_module(f"citadel_cli.maintenance.{routine}").JOBS
    return run_routine(routine, jobs, ctx)


def read_history(ctx: JobContext, routine: str | None = None, limit: int = 50) -> History:
    return history(ctx.reports_dir, routine, limit)
