"""Model files: present, and matching the lockfile written when they were pulled (sizes only:
hashing 90 GB on every start would take minutes; `models verify --deep` does that)."""

from __future__ import annotations

from citadel_cli.checks.base import CheckEnv
from citadel_cli.checks.findings import Finding, fail, ok, warn
from citadel_cli.checks.sizing import model_dir, weight_files
from citadel_cli.config import EngineKind, ModelSpec
from citadel_cli.errors import CitadelError

SHOWN = 3  # file names listed in a finding; the rest are counted


def check_model_files(env: CheckEnv, spec: ModelSpec) -> list[Finding]:
    if spec.engine is not EngineKind.vllm:
        return []  # the simulator serves no weights
    from citadel_cli.models.verify import verify_model_dir

    directory = model_dir(env, spec)
    pull = f"run `citadel-llm models pull {spec.key}`"
    if not directory.is_dir():
        return [fail("model.files", f"{directory} does not exist: the model is not downloaded", pull, spec.key)]
    try:
        result = verify_model_dir(directory, deep=False)
    except CitadelError as exc:  # a damaged lockfile names itself
        return [fail("model.files", exc.message, exc.hint or pull, spec.key)]
    if result.no_lockfile:
        return [_without_lockfile(env, spec)]
    bad = [*(f"{p} missing" for p in result.missing), *(f"{p} wrong size" for p in result.wrong_size)]
    if bad:
        more = f" and {len(bad) - SHOWN} more" if len(bad) > SHOWN else ""
        return [fail("model.files", f"{len(bad)} of {result.checked} locked files bad in {directory}: "
                     f"{', '.join(bad[:SHOWN])}{more}", f"{pull} (fetches only what is missing or damaged)",
                     spec.key)]
    return [ok("model.files", f"{result.checked} files in {directory} match the lockfile (sizes)", spec.key)]


def _without_lockfile(env: CheckEnv, spec: ModelSpec) -> Finding:
    directory = model_dir(env, spec)
    if not weight_files(directory) or not (directory / "config.json").is_file():
        return fail("model.files", f"{directory} has no weights or no config.json",
                    f"run `citadel-llm models pull {spec.key}`", spec.key)
    return warn("model.files", f"{directory} has weights but no lockfile: a truncated file would go unnoticed",
                f"run `citadel-llm models pull {spec.key}` (or `models import`) to write citadel.lock.json",
                spec.key)
