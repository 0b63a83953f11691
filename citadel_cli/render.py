"""Presentation only: rich tables for people, JSON for machines.

Commands hand a pydantic result plus a function that builds a table to `Output.result`.
With --json only JSON goes to stdout; messages and progress go to stderr. rich turns colour
off when stdout is not a terminal or NO_COLOR is set.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pydantic import BaseModel
from rich.console import Console, RenderableType
from rich.table import Table

Level = str  # "ok" | "warn" | "fail" | "info"

LEVEL_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red", "info": "cyan", "skip": "dim"}


class Output:
    def __init__(self, json_mode: bool = False, verbosity: int = 0) -> None:
        self.json_mode = json_mode
        self.verbosity = verbosity
        self.console = _console(stderr=False)
        self.err = _console(stderr=True)

    # --- results
    def result(self, result: BaseModel | Sequence[BaseModel] | dict[str, Any],
               table: Callable[[Any], RenderableType | Iterable[RenderableType]] | None = None) -> None:
        """The command's answer: JSON on stdout with --json, else what `table` builds from it."""
        if self.json_mode or table is None:
            self.json(result)
            return
        rendered = table(result)
        for item in rendered if isinstance(rendered, list | tuple) else [rendered]:
            self.console.print(item)

    def json(self, data: Any) -> None:
        sys.stdout.write(to_json(data) + "\n")
        sys.stdout.flush()

    # --- messages (stderr in JSON mode so stdout stays parseable)
    def _msg_console(self) -> Console:
        return self.err if self.json_mode else self.console

    def info(self, text: str) -> None:
        if self.verbosity >= 0:
            self._msg_console().print(text)

    def detail(self, text: str) -> None:
        if self.verbosity >= 1:
            self._msg_console().print(text, style="dim")

    def warn(self, text: str) -> None:
        self.err.print(f"[yellow]warning:[/] {text}")

    def success(self, text: str) -> None:
        if self.verbosity >= 0:
            self._msg_console().print(f"[green]{text}[/]")

    @property
    def interactive(self) -> bool:
        return self.console.is_terminal and not self.json_mode


def _console(stderr: bool) -> Console:
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        # Piped or captured output (logs, cron mail, tests): never squeeze tables into 80 columns.
        console.width = 200
    return console


def to_json(data: Any) -> str:
    if isinstance(data, BaseModel):
        return data.model_dump_json(indent=2)
    if isinstance(data, list | tuple):
        return json.dumps([_plain(x) for x in data], indent=2, default=str)
    return json.dumps(_plain(data), indent=2, default=str)


def _plain(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, dict):
        return {k: _plain(v) for k, v in data.items()}
    return data


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A plain table; cells are rendered with str(), None as an empty cell."""
    tbl = Table(title=title, title_justify="left", header_style="bold")
    for index, col in enumerate(columns):
        tbl.add_column(col, no_wrap=index == 0)
    for row in rows:
        tbl.add_row(*("" if cell is None else str(cell) for cell in row))
    return tbl


def level(text: Level) -> str:
    """A level word in its colour (rich markup)."""
    return f"[{LEVEL_STYLE.get(text, '')}]{text}[/]"
