"""Content hashes of weight files: sha256 (what the Hub's LFS metadata carries) and git blob sha1."""

from __future__ import annotations

import hashlib
from pathlib import Path

_CHUNK = 4 << 20  # 4 MiB reads: fast on big files without holding them in memory


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def git_blob_sha1(path: Path) -> str:
    """The git object id of a file: how the Hub names small (non-LFS) files (`blobId`)."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(f"blob {path.stat().st_size}\0".encode())
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()
