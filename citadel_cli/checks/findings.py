"""What a check reports: one finding per thing looked at, with figures and a fix."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, computed_field


class Level(StrEnum):
    ok = "ok"
    warn = "warn"
    fail = "fail"


class Finding(BaseModel):
    id: str  # check family and item, e.g. "memory.unit", "port", "dirs.models"
    model: str | None = None  # the model key, None for host-wide findings
    level: Level
    summary: str  # what was found, with the figures
    fix: str | None = None  # what to change or run; always set on warn and fail

    def line(self) -> str:
        """One line for the journal: `FAIL memory.unit [hermes-2]: ... -- fix: ...`."""
        who = f" [{self.model}]" if self.model else ""
        fix = f" -- fix: {self.fix}" if self.fix else ""
        return f"{self.level.value.upper()} {self.id}{who}: {self.summary}{fix}"


class CheckReport(BaseModel):
    models: list[str]
    pre_start: bool = False
    findings: list[Finding]

    @computed_field
    @property
    def ok(self) -> bool:
        return not self.failures()

    @computed_field
    @property
    def counts(self) -> dict[str, int]:
        return {level.value: sum(f.level is level for f in self.findings) for level in Level}

    def failures(self) -> list[Finding]:
        return [f for f in self.findings if f.level is Level.fail]


def ok(id: str, summary: str, model: str | None = None) -> Finding:
    return Finding(id=id, model=model, level=Level.ok, summary=summary)


def warn(id: str, summary: str, fix: str, model: str | None = None) -> Finding:
    return Finding(id=id, model=model, level=Level.warn, summary=summary, fix=fix)


def fail(id: str, summary: str, fix: str, model: str | None = None) -> Finding:
    return Finding(id=id, model=model, level=Level.fail, summary=summary, fix=fix)
