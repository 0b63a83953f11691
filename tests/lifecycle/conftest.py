"""Fixtures for the lifecycle tests: paths and a supervisor on tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest

from citadel_cli.config import CitadelConfig, PathsConfig, ServiceSpec
from citadel_cli.host.runner import Runner
from citadel_cli.host.supervisor import SupervisorManager
from citadel_cli.paths import Paths
from citadel_cli.services import ServiceDef


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(PathsConfig(root=tmp_path / "root"))


@pytest.fixture
def supervisor(paths: Paths):
    config = CitadelConfig(service=ServiceSpec(backend="supervisor", stop_timeout_s=5))
    manager = SupervisorManager(config, paths, Runner())
    started: list[ServiceDef] = []
    original = manager.start

    def start(services):
        started.extend(services)
        original(services)

    manager.start = start
    yield manager
    manager.stop(started, timeout=2)  # whatever a failing test left running
