"""Shared fixtures: an isolated environment per test and a CLI runner going through the real app."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citadel_cli.main import app


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No CITADEL_* or HF_* variable of the machine leaks in; HOME and XDG dirs point into tmp_path."""
    for name in list(os.environ):
        if name.startswith(("CITADEL_", "HF_", "XDG_")):
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local/state"))
    monkeypatch.setenv("NO_COLOR", "1")
    return home


class Cli:
    """Invokes citadel-llm through Typer's CliRunner with stdout and stderr kept apart."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str] | None = None, input: str | None = None):
        return self.runner.invoke(app, [str(a) for a in args], env=env, input=input, catch_exceptions=False)


@pytest.fixture
def cli() -> Cli:
    return Cli()
