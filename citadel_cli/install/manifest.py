"""What install created, kept in the state dir, so uninstall removes exactly that.

Paths are stored as the host sees them (a staged install records /etc/..., not DIR/etc/...).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from citadel_cli.errors import HostError
from citadel_cli.fsutil import atomic_write
from citadel_cli.paths import Paths, under

MANIFEST_NAME = "install-manifest.json"


class Manifest(BaseModel):
    version: int = 1
    files: dict[str, str] = Field(default_factory=dict, description="host path -> sha256 of what install wrote")
    dirs: list[str] = Field(default_factory=list, description="host paths of directories install created")
    venv: bool = Field(False, description="install created the engine venv")

    def staged_files(self, paths: Paths) -> dict[Path, str]:
        return {under(paths.root, Path(p)): digest for p, digest in self.files.items()}

    def staged_dirs(self, paths: Paths) -> list[Path]:
        return [under(paths.root, Path(p)) for p in self.dirs]


def manifest_path(paths: Paths) -> Path:
    return paths.state / MANIFEST_NAME


def load_manifest(paths: Paths) -> Manifest:
    """The manifest, or an empty one when nothing was installed here."""
    path = manifest_path(paths)
    if not path.is_file():
        return Manifest()
    try:
        return Manifest.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        raise HostError(f"cannot read the install manifest {path}: {exc}",
                        hint="rerun `citadel-llm install` to rewrite it") from None


def save_manifest(paths: Paths, manifest: Manifest) -> None:
    atomic_write(manifest_path(paths), manifest.model_dump_json(indent=2) + "\n", mode=0o600)


def sha256(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()
