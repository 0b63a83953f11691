"""`citadel.lock.json`: what a model folder must contain, written after a pull, import or make-tiny.

The lockfile pins the repo, the requested revision, the resolved commit and, per file, its
size and sha256. `verify.py` checks a folder against it; the pre-start checks and the
maintenance routines read it through `read_lockfile`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from citadel_cli.errors import CitadelError
from citadel_cli.fsutil import atomic_write
from citadel_cli.models.hashing import sha256_file

LOCKFILE_NAME = "citadel.lock.json"
# Folders inside a model dir that are bookkeeping, never weights (hf's local_dir metadata, ours).
_SKIP_DIRS = {".cache", ".citadel", ".git"}


class LockedFile(BaseModel):
    path: str = Field(description="Path relative to the model folder, '/'-separated.")
    size: int = Field(ge=0, description="Size in bytes.")
    sha256: str = Field(description="Hex sha256 of the content.")


class Lockfile(BaseModel):
    repo: str = Field(description="Hugging Face repo id (or a local name for imported/tiny models).")
    revision: str = Field(description="The revision asked for: branch, tag or commit.")
    commit: str | None = Field(description="The commit the revision resolved to; None when not from the Hub.")
    files: list[LockedFile] = Field(description="Every file of the model, sorted by path.")
    created: datetime = Field(description="When the lockfile was written (UTC).")
    source: str = Field("hub", description="hub, import or tiny: how the folder was filled.")

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)


def lockfile_path(model_dir: Path) -> Path:
    return model_dir / LOCKFILE_NAME


def read_lockfile(model_dir: Path) -> Lockfile | None:
    """The folder's lockfile; None when there is none. A damaged one is an error naming the file."""
    path = lockfile_path(model_dir)
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None
    try:
        return Lockfile.model_validate_json(text)
    except ValidationError as exc:
        raise CitadelError(f"{path} is damaged: {exc.errors()[0]['msg']}",
                           hint="re-create it: `citadel-llm models pull` or `models import`") from None


def write_lockfile(model_dir: Path, lock: Lockfile) -> Path:
    path = lockfile_path(model_dir)
    atomic_write(path, lock.model_dump_json(indent=2) + "\n")
    return path


def model_files(model_dir: Path) -> list[str]:
    """Relative paths of the files of a model folder (following links), bookkeeping left out."""
    found: list[str] = []
    for current, dirs, files in os.walk(model_dir, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        rel_dir = Path(current).relative_to(model_dir)
        for name in files:
            if name == LOCKFILE_NAME and rel_dir == Path("."):
                continue
            found.append((rel_dir / name).as_posix())
    return sorted(found)


def lock_directory(model_dir: Path, *, repo: str, revision: str, commit: str | None, source: str,
                   known_sha256: Mapping[str, str] | None = None) -> Lockfile:
    """A lockfile describing what the folder holds now; hashes computed unless `known_sha256` has them."""
    known = known_sha256 or {}
    files = [
        LockedFile(path=rel, size=(model_dir / rel).stat().st_size,
                   sha256=known.get(rel) or sha256_file(model_dir / rel))
        for rel in model_files(model_dir)
    ]
    return Lockfile(repo=repo, revision=revision, commit=commit, files=files, created=datetime.now(UTC),
                    source=source)
