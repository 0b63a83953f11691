"""Fixtures for the unit and install tests: a config whose services run a real interpreter
(systemd-analyze verify refuses an ExecStart= binary that does not exist) and a staging root."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from citadel_cli.config import CitadelConfig
from citadel_cli.config_loader import deep_merge, reference_model_data
from citadel_cli.paths import Paths

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_systemd_analyze = pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")


@pytest.fixture
def stage(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    return root


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "test-config.yaml"
    path.write_text(f"service:\n  python: {sys.executable}\n")
    return path


def make_config(root: Path, **overrides: object) -> tuple[CitadelConfig, Paths]:
    # Overrides merge into the reference deployment the way a YAML file does.
    base = {"models": reference_model_data(), "paths": {"root": str(root)}, "service": {"python": sys.executable}}
    config = CitadelConfig.model_validate(deep_merge(base, overrides))
    return config, Paths(config.paths)


def write(files: dict[Path, str]) -> None:
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def analyze(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SYSTEMD_ANALYZE, *args], capture_output=True, text=True, cwd=cwd, timeout=60,
                          check=False)


def exposure(unit: str, cwd: Path) -> float:
    """The overall exposure `systemd-analyze security --offline=yes` gives a unit file."""
    result = analyze("security", "--offline=yes", "--no-pager", unit, cwd=cwd)
    line = [ln for ln in result.stdout.splitlines() if "Overall exposure level" in ln][-1]
    return float(line.split(":")[1].split()[0])
