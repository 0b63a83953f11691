"""Fixtures of the bench tests: simulators on free ports, a config whose targets suit them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from citadel_cli.sim.testing import running_sim

MODEL = "phi-3-mini"  # a reference model key; its targets are overridden per test in the YAML


@pytest.fixture
def sim(tmp_path: Path):
    """sim(*flags) -> a running simulator serving MODEL; stopped when the test ends."""
    with contextlib.ExitStack() as stack:
        def start(*flags: str):
            return stack.enter_context(running_sim(MODEL, tmp_path, *flags))
        yield start


@pytest.fixture
def bench_config(tmp_path: Path) -> Iterator:
    """bench_config(p95_ms=..., concurrency=...) -> a YAML config file with those targets for MODEL."""
    def write(p95_ms: float = 5000, rpm: float = 60, concurrency: int = 2) -> Path:
        path = tmp_path / "config.yaml"
        path.write_text(f"models:\n  {MODEL}:\n    p95_ms: {p95_ms}\n    rpm: {rpm}\n"
                        f"    concurrency: {concurrency}\n")
        return path
    yield write
