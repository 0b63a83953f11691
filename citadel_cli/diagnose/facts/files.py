"""Model folders against their lockfiles: sizes always, hashes too when the folder is small."""

from __future__ import annotations

from pathlib import Path

from citadel_cli.config import EngineKind, ModelSpec
from citadel_cli.diagnose.env import DiagnoseEnv
from citadel_cli.diagnose.model import ModelFiles
from citadel_cli.errors import CitadelError

# Hashing a 90 GB model takes minutes; a tiny or test model hashes in milliseconds and a
# same-size corruption is only visible to the hash.
DEEP_LIMIT_BYTES = 64 << 20


def collect(env: DiagnoseEnv) -> list[ModelFiles]:
    found = []
    for spec in env.config.enabled_models():
        directory = spec.weights_dir or env.paths.model_dir(spec.key)
        # The simulator serves no weights: only look when a folder was configured or exists.
        if spec.engine is EngineKind.vllm or directory.is_dir():
            found.append(_verify(spec, directory))
    return found


def _verify(spec: ModelSpec, directory: Path) -> ModelFiles:
    from citadel_cli.models.lockfile import read_lockfile
    from citadel_cli.models.verify import verify_against

    base = {"model": spec.key, "path": str(directory)}
    if not directory.is_dir():
        return ModelFiles(**base, ok=False, summary=f"{directory} does not exist", bad=[])
    try:
        lock = read_lockfile(directory)
    except CitadelError as exc:
        return ModelFiles(**base, ok=False, summary=exc.message, bad=["citadel.lock.json"])
    if lock is None:
        return ModelFiles(**base, ok=True, summary=f"{directory} has no lockfile (not verifiable)")
    result = verify_against(directory, lock, deep=lock.total_size <= DEEP_LIMIT_BYTES)
    bad = [*(f"{p} missing" for p in result.missing), *(f"{p} wrong size" for p in result.wrong_size),
           *(f"{p} corrupt (sha256 differs)" for p in result.corrupt)]
    if bad:
        return ModelFiles(**base, ok=False, bad=bad,
                          summary=f"{len(bad)} of {result.checked} locked files bad in {directory}")
    return ModelFiles(**base, ok=True, summary=f"{result.checked} files match the lockfile")
