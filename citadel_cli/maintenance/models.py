"""What a maintenance run reports: one outcome per job, one report per run (JSON for monitoring)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Routine(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


class Status(StrEnum):
    ok = "ok"
    warn = "warn"
    fail = "fail"
    skip = "skip"  # the job could not apply here (offline, no systemd-analyze, nothing installed)


# Worst first: the run's status is the worst of its jobs' (skip counts as ok).
_RANK = {Status.fail: 3, Status.warn: 2, Status.ok: 1, Status.skip: 0}


def worst(statuses: list[Status]) -> Status:
    top = max(statuses, key=_RANK.__getitem__, default=Status.ok)
    return Status.ok if top is Status.skip else top


class JobResult(BaseModel):
    name: str = Field(description="The job: health, watchdog, disk, backup ...")
    status: Status
    summary: str = Field(description="One line a person reads first.")
    details: dict[str, Any] = Field(default_factory=dict, description="Figures a monitoring system reads.")
    duration_s: float = 0.0


class RunReport(BaseModel):
    routine: str = Field(description="daily, weekly or monthly.")
    status: Status
    started: datetime
    finished: datetime
    host: str
    version: str
    already_running: bool = Field(False, description="Another run held the lock; nothing was done.")
    report_file: str | None = None
    jobs: list[JobResult] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {s.value: sum(1 for j in self.jobs if j.status is s) for s in Status}

    def summary_line(self) -> str:
        if self.already_running:
            return f"maintenance {self.routine}: already running (another run holds the lock); nothing done"
        counts = ", ".join(f"{n} {s}" for s, n in self.counts().items() if n)
        problems = [f"{j.name}: {j.summary}" for j in self.jobs if j.status in (Status.fail, Status.warn)]
        tail = f" — {'; '.join(problems)}" if problems else ""
        return f"maintenance {self.routine}: {self.status} ({counts or 'no jobs'}){tail}"


class HistoryEntry(BaseModel):
    routine: str
    status: Status
    started: datetime
    duration_s: float
    report_file: str
    problems: list[str] = Field(default_factory=list)


class History(BaseModel):
    entries: list[HistoryEntry] = Field(default_factory=list)
