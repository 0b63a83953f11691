"""Live progress of the levels on stderr (rich); a no-op sink when nobody is watching."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from citadel_cli.bench.clients import Record
from citadel_cli.bench.schema import LevelResult


class ProgressSink(Protocol):
    def start(self, label: str, total: int | None) -> None: ...
    def advance(self, rec: Record) -> None: ...
    def stop(self, result: LevelResult) -> None: ...


class NullProgress:
    def start(self, label: str, total: int | None) -> None:
        return None

    def advance(self, rec: Record) -> None:
        return None

    def stop(self, result: LevelResult) -> None:
        return None


class RichProgress:
    """One bar per level, left on screen with its headline figures when the level ends."""

    def __init__(self, console) -> None:  # noqa: ANN001 - a rich Console on stderr
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[errors]} errors"), TimeElapsedColumn(),
                                 console=console, transient=False)
        self.task = None
        self.errors = 0

    def start(self, label: str, total: int | None) -> None:
        if self.task is None:
            self.progress.start()
        self.errors = 0
        self.task = self.progress.add_task(label, total=total, errors=0)

    def advance(self, rec: Record) -> None:
        self.errors += rec.error is not None
        self.progress.update(self.task, advance=1, errors=self.errors)

    def stop(self, result: LevelResult) -> None:
        held = "held" if result.slo_held else "broke SLO"
        p95 = result.e2e_ms.p95 or 0.0
        desc = f"{result.scenario} {result.label}: {result.req_per_s:.1f} req/s, p95 {p95:.0f} ms, {held}"
        self.progress.update(self.task, description=desc, total=result.requests, completed=result.requests)

    def close(self) -> None:
        if self.task is not None:
            self.progress.stop()


@contextmanager
def progress_for(out) -> Iterator[ProgressSink]:  # noqa: ANN001 - render.Output
    """Rich bars on stderr when a person watches it; nothing with --json, when piped, or with -q."""
    if out.json_mode or out.verbosity < 0 or not out.err.is_terminal:
        yield NullProgress()
        return
    sink = RichProgress(out.err)
    try:
        yield sink
    finally:
        sink.close()
