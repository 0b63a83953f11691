"""Config operations the CLI exposes (writing a starter file)."""

from __future__ import annotations

from pathlib import Path

from citadel_cli.config import CitadelConfig
from citadel_cli.config_template import render_config_yaml
from citadel_cli.errors import CitadelError
from citadel_cli.fsutil import atomic_write


def init_config(config: CitadelConfig, path: Path, force: bool = False) -> dict[str, str]:
    if path.exists() and not force:
        raise CitadelError(f"{path} already exists; not overwriting it",
                           hint="pass --force to replace it, or --output FILE to write elsewhere")
    atomic_write(path, render_config_yaml(config), mode=0o640)
    return {"path": str(path), "profile": config.profile.value}
