"""`models pull`: plan every model first (listing, disk check), then fetch into staging and swap in.

Nothing is written before the plan of every named model fits on the disk. Files go to
`<models>/.staging/<key>/<commit>/` (partials kept there across runs, so a pull resumes);
the model folder is replaced only once every file arrived intact and the lockfile is written.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, Field

from citadel_cli.config import CitadelConfig, ModelSpec
from citadel_cli.errors import CitadelError, UsageError
from citadel_cli.models.disk import ensure_free
from citadel_cli.models.hashing import git_blob_sha1, sha256_file
from citadel_cli.models.hub import RemoteFile, RemoteRepo, fetch_listing
from citadel_cli.models.lockfile import LockedFile, Lockfile, read_lockfile, write_lockfile
from citadel_cli.models.select import select_files
from citadel_cli.models.store import staging_dir
from citadel_cli.models.verify import verify_model_dir
from citadel_cli.paths import Paths


class PlannedFile(BaseModel):
    path: str
    size: int
    sha256: str | None
    status: str = Field(description="fetch (new), resume (part already staged), staged (done earlier), reuse "
                        "(unchanged in the current folder)")
    have: int = Field(0, description="Bytes already on disk for this file.")


class PullResult(BaseModel):
    key: str
    repo: str
    revision: str
    commit: str | None
    action: str = Field(description="downloaded, up to date, would download (dry run), on disk (offline)")
    path: str
    files: list[PlannedFile]
    total_size: int
    to_download: int = Field(description="Bytes still to fetch when planned.")
    downloaded: int = Field(0, description="Bytes fetched by this run.")
    skipped_pickle: int = Field(0, description="Bytes of pickle files left out.")
    seconds: float = 0.0


class PullObserver(Protocol):
    def begin(self, key: str, total_bytes: int, done_bytes: int, files: int) -> None: ...
    def advance(self, nbytes: int) -> None: ...
    def file_done(self, path: str) -> None: ...
    def end(self) -> None: ...


class _Silent:
    def begin(self, key: str, total_bytes: int, done_bytes: int, files: int) -> None: ...
    def advance(self, nbytes: int) -> None: ...
    def file_done(self, path: str) -> None: ...
    def end(self) -> None: ...


class _Plan(BaseModel):
    spec: ModelSpec
    remote: RemoteRepo
    result: PullResult
    by_path: dict[str, RemoteFile]


def pull_models(config: CitadelConfig, paths: Paths, keys: list[str] | None, *, all_models: bool = False,
                revision: str | None = None, dry_run: bool = False, allow_pickle: bool = False,
                offline: bool = False, deep: bool = False, observer: PullObserver | None = None) -> list[PullResult]:
    """Pull the named models (or every enabled one); `deep` re-hashes files on disk before reusing them."""
    specs = _specs(config, keys, all_models, revision)
    if offline:
        return [_offline(spec, paths) for spec in specs]
    plans = [_plan(spec, paths, revision or spec.revision, allow_pickle, deep) for spec in specs]
    if dry_run:
        return [p.result for p in plans]
    needed = sum(p.result.to_download for p in plans)
    names = ", ".join(p.spec.key for p in plans if p.result.to_download)
    if needed:
        ensure_free(paths.models, needed, what=f"pulling {names}")
    return [_execute_locked(plan, paths, observer or _Silent()) for plan in plans]


def _execute_locked(plan: _Plan, paths: Paths, observer: PullObserver) -> PullResult:
    from citadel_cli.models.staging import pull_lock

    if plan.result.action == "up to date":
        return plan.result
    with pull_lock(paths, plan.spec.key):
        return _execute(plan, paths, observer)


def _specs(config: CitadelConfig, keys: list[str] | None, all_models: bool, revision: str | None) -> list[ModelSpec]:
    if keys and all_models:
        raise UsageError("name models or pass --all, not both")
    specs = config.enabled_models() if all_models or not keys else [config.model(k) for k in keys]
    if revision and len(specs) != 1:
        raise UsageError("--revision applies to one model", hint="name exactly one model with --revision")
    return specs


def _offline(spec: ModelSpec, paths: Paths) -> PullResult:
    folder = paths.model_dir(spec.key)
    check = verify_model_dir(folder)
    if not check.ok:
        what = "is not on disk" if check.no_lockfile else "is incomplete on disk"
        raise CitadelError(f"{spec.key} {what} and --offline forbids downloading",
                           hint=f"run `citadel-llm models pull {spec.key}` with network access")
    lock = read_lockfile(folder)
    files = [PlannedFile(path=f.path, size=f.size, sha256=f.sha256, status="reuse", have=f.size) for f in lock.files]
    return PullResult(key=spec.key, repo=lock.repo, revision=lock.revision, commit=lock.commit, action="on disk",
                      path=str(folder), files=files, total_size=lock.total_size, to_download=0)


def _plan(spec: ModelSpec, paths: Paths, revision: str, allow_pickle: bool, deep: bool) -> _Plan:
    remote = fetch_listing(spec.repo, revision)
    wanted, skipped = select_files(spec.repo, remote.files, allow_pickle)
    folder = paths.model_dir(spec.key)
    current = _current_lock(folder)
    stage = staging_dir(paths, spec.key) / remote.commit
    files = [_plan_file(f, folder, current, stage, deep) for f in sorted(wanted, key=lambda f: f.path)]
    up_to_date = (current is not None and all(f.status == "reuse" for f in files)
                  and {f.path for f in current.files} == {f.path for f in files})
    total = sum(f.size for f in files)
    result = PullResult(
        key=spec.key, repo=spec.repo, revision=revision, commit=remote.commit, path=str(folder), files=files,
        action="up to date" if up_to_date else "downloaded", total_size=total,
        to_download=sum(f.size - f.have for f in files if f.status != "reuse"), skipped_pickle=skipped)
    return _Plan(spec=spec, remote=remote, result=result, by_path={f.path: f for f in wanted})


def _current_lock(folder: Path) -> Lockfile | None:
    try:
        return read_lockfile(folder)
    except CitadelError:
        return None  # a damaged lockfile: plan as if nothing were there (the pull rewrites it)


def _plan_file(remote: RemoteFile, folder: Path, current: Lockfile | None, stage: Path, deep: bool) -> PlannedFile:
    planned = PlannedFile(path=remote.path, size=remote.size, sha256=remote.sha256, status="fetch")
    if current is not None and _reusable(remote, folder, current, deep):
        planned.status, planned.have = "reuse", remote.size
        return planned
    staged = _size_of(stage / remote.path)
    partial = _size_of(stage / (remote.path + ".partial"))
    if staged == remote.size:
        planned.status, planned.have = "staged", remote.size
    elif partial and partial <= remote.size:
        planned.status, planned.have = "resume", partial
    return planned


def _reusable(remote: RemoteFile, folder: Path, current: Lockfile, deep: bool) -> bool:
    """The file in the current folder is the one the Hub has: same size and same locked (deep: actual) hash."""
    locked = next((f for f in current.files if f.path == remote.path), None)
    path = folder / remote.path
    if locked is None or locked.size != remote.size or _size_of(path) != remote.size:
        return False
    if remote.sha256 is not None:
        return locked.sha256 == remote.sha256 and (not deep or sha256_file(path) == remote.sha256)
    return remote.blob_id is not None and git_blob_sha1(path) == remote.blob_id


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except (FileNotFoundError, NotADirectoryError):
        return 0


def _execute(plan: _Plan, paths: Paths, observer: PullObserver) -> PullResult:
    from citadel_cli.models.fetch import download
    from citadel_cli.models.staging import install_staged, keep_staging, link_or_copy

    result, folder = plan.result, Path(plan.result.path)
    started = time.monotonic()
    stage = keep_staging(paths, plan.spec.key, plan.remote.commit)
    counter = _Counter(observer)
    observer.begin(plan.spec.key, result.total_size, 0, len(result.files))
    hashes: dict[str, str] = {}
    try:
        for planned in result.files:
            dest = stage / planned.path
            if planned.status == "reuse":
                link_or_copy(folder / planned.path, dest)
                counter.skip(planned.size)
            elif planned.status == "staged":
                counter.skip(planned.size)
            else:
                counter.skip(planned.have)  # what an earlier run left in the .partial
                dest.parent.mkdir(parents=True, exist_ok=True)
                hashes[planned.path] = download(plan.remote.repo, plan.remote.commit, plan.by_path[planned.path],
                                                dest, counter.fetched)
            hashes.setdefault(planned.path, planned.sha256 or sha256_file(dest))
            observer.file_done(planned.path)
    finally:
        observer.end()
    locked = [LockedFile(path=f.path, size=f.size, sha256=hashes[f.path]) for f in result.files]
    write_lockfile(stage, Lockfile(repo=plan.remote.repo, revision=result.revision, commit=plan.remote.commit,
                                   files=locked, created=_now()))
    install_staged(stage, folder)
    return result.model_copy(update={"downloaded": counter.new_bytes, "seconds": time.monotonic() - started})


class _Counter:
    """Feeds the observer; counts bytes fetched by this run apart from what earlier runs left staged."""

    def __init__(self, observer: PullObserver) -> None:
        self.observer = observer
        self.new_bytes = 0

    def skip(self, nbytes: int) -> None:
        self.observer.advance(nbytes)

    def fetched(self, nbytes: int) -> None:
        self.observer.advance(nbytes)
        if nbytes > 0:
            self.new_bytes += nbytes


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)
