"""One file from the Hub into a `.partial` that survives an interrupted pull, resumed with HTTP Range.

huggingface_hub resumes only within one call and deletes its temp file on failure (shared
notes: hub-api-for-tests.md), so a pull cut by a network drop, Ctrl-C or a reboot would start
big files over. Here the transfer goes through huggingface_hub's own HTTP session, auth headers
(HF_TOKEN / credential file) and error mapping, but the bytes land in a file we keep.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from citadel_cli.errors import CitadelError
from citadel_cli.fsutil import disk_error
from citadel_cli.models.hashing import git_blob_sha1, sha256_file
from citadel_cli.models.hub import HubError, HubUnreachable, RemoteFile, hub_errors

CHUNK = 1 << 20  # write 1 MiB at a time: an interruption loses at most this much
RETRIES = 2  # in-call retries after a dropped connection (each resumes); then the pull fails and resumes next run
BACKOFF_S = 0.5
READ_TIMEOUT_S = 30.0


class DownloadInterrupted(HubError):
    """The connection dropped for good; the `.partial` is kept for the next run."""


def partial_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".partial")


def download(repo: str, commit: str, remote: RemoteFile, dest: Path, on_bytes: Callable[[int], None]) -> str:
    """Fetch `remote` at `commit` into `dest` (atomically, via dest.partial); returns its sha256."""
    from huggingface_hub import hf_hub_url

    url = hf_hub_url(repo, remote.path, revision=commit)
    partial = partial_path(dest)
    _prepare(partial, remote.size)
    for attempt in range(RETRIES + 1):
        try:
            with hub_errors(repo, commit, remote.path):
                _transfer(url, partial, remote.size, on_bytes)
            break
        except HubError as exc:
            if not _is_transport(exc) or attempt == RETRIES:
                raise _interrupted(exc, remote, partial) from None
            time.sleep(BACKOFF_S * (2 ** attempt))
    return _finish(partial, dest, remote)


def _prepare(partial: Path, size: int) -> None:
    try:
        partial.parent.mkdir(parents=True, exist_ok=True)
        if partial.exists() and partial.stat().st_size > size:
            partial.unlink()  # longer than the file can be: not ours to resume
        partial.touch()
    except OSError as exc:
        raise disk_error(exc, partial) from None


def _transfer(url: str, partial: Path, size: int, on_bytes: Callable[[int], None]) -> None:
    from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

    have = partial.stat().st_size
    if have == size:
        return
    headers = build_hf_headers()
    if have:
        headers["Range"] = f"bytes={have}-"
    with get_session().stream("GET", url, headers=headers, follow_redirects=True,
                              timeout=READ_TIMEOUT_S) as response:
        hf_raise_for_status(response)
        restart = have and response.status_code != 206
        if restart:  # the server ignored Range and sends the whole file
            on_bytes(-have)
        with open(partial, "wb" if restart else "ab") as out:
            for chunk in response.iter_bytes(CHUNK):
                _write(out, chunk, partial)
                on_bytes(len(chunk))
            _write(out, b"", partial, sync=True)


def _write(out, chunk: bytes, partial: Path, sync: bool = False) -> None:
    """Disk errors (a full disk above all) become HostErrors here, never mistaken for network trouble."""
    try:
        out.write(chunk)
        if sync:
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        raise disk_error(exc, partial) from None


def _is_transport(exc: HubError) -> bool:
    return isinstance(exc, HubUnreachable)


def _interrupted(exc: HubError, remote: RemoteFile, partial: Path) -> CitadelError:
    if not _is_transport(exc):
        return exc
    have = partial.stat().st_size if partial.exists() else 0
    return DownloadInterrupted(
        f"download of {remote.path} stopped at {have} of {remote.size} bytes: {exc.message}",
        hint="run the same command again: the pull resumes where it stopped")


def _finish(partial: Path, dest: Path, remote: RemoteFile) -> str:
    """Check size and hash, then move the file into place; a corrupt download is dropped, not kept."""
    size = partial.stat().st_size
    digest = sha256_file(partial)
    expected_ok = size == remote.size and (remote.sha256 is None or digest == remote.sha256)
    if expected_ok and remote.sha256 is None and remote.blob_id:
        expected_ok = git_blob_sha1(partial) == remote.blob_id
    if not expected_ok:
        partial.unlink()
        raise HubError(f"{remote.path} arrived corrupt ({size} bytes, checksum mismatch); the bad copy was deleted",
                       hint="run the same command again; if it persists the Hub or a proxy is serving bad data")
    os.replace(partial, dest)
    return digest
