"""Is a model folder intact? Quick: every locked file present with its size. Deep: sha256 too."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from citadel_cli.models.hashing import sha256_file
from citadel_cli.models.lockfile import Lockfile, read_lockfile


class VerifyResult(BaseModel):
    ok: bool = Field(description="True when the folder has a lockfile and matches it.")
    missing: list[str] = Field(default_factory=list, description="Locked files that are absent.")
    wrong_size: list[str] = Field(default_factory=list, description="Files whose size differs.")
    corrupt: list[str] = Field(default_factory=list, description="Files whose sha256 differs (deep only).")
    checked: int = Field(0, description="Files checked.")
    no_lockfile: bool = Field(False, description="The folder (or its lockfile) does not exist.")


def verify_model_dir(model_dir: Path, deep: bool = False) -> VerifyResult:
    """Compare the folder with its lockfile. Never raises for a damaged folder; reports it."""
    lock = read_lockfile(model_dir)
    if lock is None:
        return VerifyResult(ok=False, no_lockfile=True)
    return verify_against(model_dir, lock, deep)


def verify_against(model_dir: Path, lock: Lockfile, deep: bool = False) -> VerifyResult:
    result = VerifyResult(ok=False)
    for entry in lock.files:
        path = model_dir / entry.path
        result.checked += 1
        try:
            size = path.stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            result.missing.append(entry.path)
            continue
        if size != entry.size:
            result.wrong_size.append(entry.path)
        elif deep and sha256_file(path) != entry.sha256:
            result.corrupt.append(entry.path)
    result.ok = not (result.missing or result.wrong_size or result.corrupt)
    return result
