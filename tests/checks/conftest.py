"""A staged deployment of the tiny model under tmp_path that passes every pre-start check."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from check_support import Deployment, fake_engine_venv, free_port

from citadel_cli.paths import Paths


@pytest.fixture
def deployment(tmp_path: Path) -> Deployment:
    """Dirs, the tiny model with its lockfile, a fake engine venv: every pre-start check passes."""
    from citadel_cli.models.tiny import make_tiny

    root = tmp_path / "root"
    config_file = root / "etc/citadel-llm/config.yaml"
    config_file.parent.mkdir(parents=True)
    dep = Deployment(root=root, config_file=config_file, port=free_port())
    dep.write()
    paths = Paths(dep.load()[0].paths)
    for directory in paths.data_dirs():
        directory.mkdir(parents=True, exist_ok=True)
    make_tiny(paths.model_dir("tiny"))
    fake_engine_venv(paths.venv, f"{sys.version_info[0]}.{sys.version_info[1]}.{sys.version_info[2]}")
    return dep
