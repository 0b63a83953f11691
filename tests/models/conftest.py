"""Fixtures of the models tests: a config with one small model staged under tmp_path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

TINY_KEY = "tiny"


def write_config(path: Path, repo: str = "citadel/tiny-llama", revision: str = "main") -> Path:
    """A config file adding model `tiny` (on a non-reference port) to the reference models."""
    model = {"repo": repo, "revision": revision, "port": 18999, "context_length": 512,
             "max_num_batched_tokens": 512, "max_num_seqs": 4, "memory": "2G", "cpus": 1, "p95_ms": 1000,
             "rpm": 10}
    path.write_text(yaml.safe_dump({"models": {TINY_KEY: model}}))
    return path


@pytest.fixture
def deployment(tmp_path: Path) -> list[str]:
    """Global CLI options pointing every path into tmp_path/root, with model `tiny` configured."""
    config = write_config(tmp_path / "config.yaml")
    return ["--config", str(config), "--root", str(tmp_path / "root")]


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    return tmp_path / "root" / "opt" / "citadel" / "models"
