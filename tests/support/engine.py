"""The engine venv the real-vLLM tests share: vLLM's CPU build, installed on first use and cached
under $CITADEL_ENGINE_VENV or /var/tmp (~1.5-3 min the first time), so every such test pays once."""

from __future__ import annotations

import os
from pathlib import Path

from citadel_cli.engine_venv import EngineVenvResult, ensure_engine_venv
from citadel_cli.host.runner import Runner

DEFAULT_VENV = Path("/var/tmp/citadel-engine-venv")


def shared_engine_venv() -> EngineVenvResult:
    return ensure_engine_venv(Path(os.environ.get("CITADEL_ENGINE_VENV") or DEFAULT_VENV), Runner())
