"""Gateway fixtures (helpers in gwhelpers.py): simulator backends and an in-thread gateway."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from gwhelpers import RunningGateway, running_gateway

from citadel_cli.sim.testing import running_sim
from gateway.settings import GatewaySettings


@pytest.fixture
def sims(tmp_path: Path):
    """sims("name", "--ttft-ms", "1", ...) -> a running simulator, stopped at teardown."""
    with contextlib.ExitStack() as stack:
        def start(model: str, *flags: str):
            return stack.enter_context(running_sim(model, tmp_path, "--ttft-ms", "1", "--itl-ms", "1", *flags))
        yield start


@pytest.fixture
def gateway():
    """gateway(**settings) -> a RunningGateway, stopped at teardown."""
    with contextlib.ExitStack() as stack:
        def start(**fields) -> RunningGateway:
            fields.setdefault("health_interval_s", 0.2)
            fields.setdefault("backoff_base_s", 0.01)
            return stack.enter_context(running_gateway(GatewaySettings(**fields)))
        yield start


