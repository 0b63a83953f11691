"""One real local deployment per test module (starting it is the slow part), stopped at the end."""

from __future__ import annotations

import pytest
from diagnose_helpers import Deployment, write_deployment


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Deployment:
    dep = write_deployment(tmp_path_factory.mktemp("diagnose"))
    started = dep.cli("start")
    try:
        assert started.exit_code == 0, started.stdout + started.stderr
        yield dep
    finally:
        dep.cli("stop")
