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
