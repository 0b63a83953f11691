"""Tables and progress for `citadel-llm models …` (presentation only)."""

from __future__ import annotations

from rich.table import Table

from citadel_cli.render import LEVEL_STYLE, level, table
from citadel_cli.sizes import format_size

_STATE_LEVEL = {"verified": "ok", "damaged": "fail", "unlocked": "warn", "absent": "skip"}


def _size(num: int) -> str:
    return format_size(num) if num else "-"


def states_table(states) -> Table:  # list[ModelState]
    rows = [
        (s.key, s.repo, s.revision, "yes" if s.enabled else "no", _size(s.on_disk),
         s.locked_revision or "-", (s.commit or "-")[:12], level_word(s.state), s.path)
        for s in states
    ]
    cols = ("model", "repo", "revision", "enabled", "on disk", "pulled", "commit", "state", "folder")
    return table("Models", cols, rows)


def level_word(state: str) -> str:
    return f"[{LEVEL_STYLE.get(_STATE_LEVEL.get(state, 'info'), '')}]{state}[/]"


def verify_table(reports) -> Table:  # list[ModelVerify]
    rows = []
    for rep in reports:
        res = rep.result
        if res.no_lockfile:
            rows.append((rep.key, level("fail"), "no lockfile (never pulled or imported)", rep.path))
            continue
        problems = ([f"missing: {p}" for p in res.missing] + [f"wrong size: {p}" for p in res.wrong_size]
                    + [f"corrupt: {p}" for p in res.corrupt])
        if not problems:
            rows.append((rep.key, level("ok"), f"{res.checked} files {'hashed' if rep.deep else 'present'}", rep.path))
        for problem in problems:
            rows.append((rep.key, level("fail"), problem, rep.path))
    return table("Verify" + (" (deep: sha256)" if reports and reports[0].deep else " (quick: sizes)"),
                 ("model", "result", "detail", "folder"), rows)


def tiny_line(tiny) -> str:  # TinyModel
    return (f"wrote a tiny Llama model to {tiny.path}: {len(tiny.files)} files, {format_size(tiny.size)}, "
            f"{tiny.parameters:,} parameters, vocab {tiny.vocab_size}")


def removed_line(removed) -> str:  # Removed
    if not removed.removed:
        return f"{removed.key}: nothing on disk at {removed.path}"
    return f"removed {removed.path} ({_size(removed.freed)} freed)"


def imported_line(imported) -> str:  # Imported
    how = "linked" if imported.linked else "copied"
    return f"{imported.key}: {how} {imported.files} files ({format_size(imported.size)}) into {imported.path}"


def pull_table(results) -> Table:  # list[PullResult]
    rows = [
        (r.key, r.repo, r.revision, (r.commit or "-")[:12], r.action, len(r.files), _size(r.total_size),
         _size(r.downloaded), _size(r.skipped_pickle) if r.skipped_pickle else "-", r.path)
        for r in results
    ]
    cols = ("model", "repo", "revision", "commit", "action", "files", "size", "fetched", "pickle skipped", "folder")
    return table("Pull", cols, rows)


class PullProgress:
    """rich progress on stderr for `models pull`: bytes (with speed) and files, one bar per model."""

    def __init__(self, console) -> None:  # rich.console.Console (stderr)
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                 TransferSpeedColumn(), TimeRemainingColumn(), TextColumn("{task.fields[files]}"),
                                 console=console)
        self.task = None
        self.files = self.done = 0

    def begin(self, key: str, total_bytes: int, done_bytes: int, files: int) -> None:
        self.files, self.done = files, 0
        self.progress.start()
        self.task = self.progress.add_task(key, total=total_bytes, completed=done_bytes, files=f"0/{files} files")

    def advance(self, nbytes: int) -> None:
        self.progress.advance(self.task, nbytes)

    def file_done(self, path: str) -> None:
        self.done += 1
        self.progress.update(self.task, files=f"{self.done}/{self.files} files")

    def end(self) -> None:
        self.progress.stop()
