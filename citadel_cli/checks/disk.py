"""Disk: room for the weights still to download, and for logs and backups."""

from __future__ import annotations

import os
from pathlib import Path

from citadel_cli.checks.base import CheckEnv
from citadel_cli.checks.findings import Finding, fail, ok, warn
from citadel_cli.checks.hostfacts import existing_parent
from citadel_cli.checks.sizing import model_dir, weight_files
from citadel_cli.config import EngineKind, ModelSpec
from citadel_cli.model_catalog import architecture_for
from citadel_cli.sizes import format_size

GIB = 1 << 30
# Below this a day of logs, a config backup or a report may not fit: the services then fail oddly.
MIN_FREE = 1 * GIB
LOW_FREE = 5 * GIB


def pending_download(env: CheckEnv, specs: list[ModelSpec]) -> tuple[int, list[str]]:
    """Bytes of weights not on disk yet (catalog sizes), and the models they belong to."""
    total, keys = 0, []
    for spec in specs:
        directory = model_dir(env, spec)
        if spec.engine is not EngineKind.vllm or weight_files(directory):
            continue
        arch = architecture_for(spec.repo, directory)
        size = arch.weight_bytes("auto") if arch else None
        if size:
            total += size
            keys.append(spec.key)
    return total, keys


def check_disk(env: CheckEnv, specs: list[ModelSpec]) -> list[Finding]:
    findings = []
    if not env.pre_start:
        findings.append(_models_disk(env, specs))
    places = [("logs", env.paths.logs)] + ([] if env.pre_start else [("backups", env.paths.backups)])
    findings += [_free_space(env, name, path) for name, path in places]
    return findings


def _models_disk(env: CheckEnv, specs: list[ModelSpec]) -> Finding:
    path = env.paths.models
    free = env.facts.disk_free(path)
    need, keys = pending_download(env, specs)
    where = f"{existing_parent(path)}: {format_size(free)} free"
    if not keys:
        return ok("disk.models", f"{where}; every model's weights are on disk")
    found = f"{where}; to download {format_size(need)} ({', '.join(keys)})"
    if free >= need + MIN_FREE:
        return ok("disk.models", f"{found}: fits")
    return fail("disk.models", f"{found}: short by {format_size(need + MIN_FREE - free)}",
                f"free space on {_mount(path)}, move opt_dir to a bigger disk, or disable models you do not need")


def _free_space(env: CheckEnv, name: str, path: Path) -> Finding:
    free = env.facts.disk_free(path)
    found = f"{existing_parent(path)}: {format_size(free)} free"
    if free < MIN_FREE:
        return fail(f"disk.{name}", f"{found}, less than {format_size(MIN_FREE)}",
                    f"free space on {_mount(path)} (`citadel-llm maintenance run daily` prunes old logs)")
    if free < LOW_FREE:
        return warn(f"disk.{name}", f"{found}, less than {format_size(LOW_FREE)}",
                    f"free space on {_mount(path)} soon")
    return ok(f"disk.{name}", found)


def _mount(path: Path) -> Path:
    current = existing_parent(path)
    while not os.path.ismount(current) and current != current.parent:
        current = current.parent
    return current
