"""Fixtures of the models tests: a config with one small model staged under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.clirun import write_config


@pytest.fixture
def deployment(tmp_path: Path) -> list[str]:
    """Global CLI options pointing every path into tmp_path/root, with model `tiny` configured."""
    config = write_config(tmp_path / "config.yaml")
    return ["--config", str(config), "--root", str(tmp_path / "root")]


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return tmp_path / "root" / "opt" / "citadel" / "models"
