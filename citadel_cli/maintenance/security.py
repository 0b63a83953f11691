"""Monthly security audit: file modes of secrets and config, systemd exposure scores of the
installed units, API keys nobody used for `key_unused_days`. Key ids and names only: never a key."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from citadel_cli.maintenance.context import JobContext
from citadel_cli.maintenance.models import JobResult, Status

EXPOSURE_RE = re.compile(r"Overall exposure level for (\S+):\s*([\d.]+)\s+(\w+)")
EXPOSURE_WARN = 5.0  # systemd's MEDIUM starts at 5: above it a unit is worth hardening
DAY_S = 86400


def _mode_findings(path: Path, secret: bool) -> list[str]:
    """What is wrong with one file's mode: writable by others always, readable by others for secrets."""
    mode = stat.S_IMODE(path.stat().st_mode)
    found = []
    if mode & 0o022:
        found.append(f"{path} is writable by group or others ({mode:04o})")
    if secret and mode & 0o077 and not path.is_dir():
        found.append(f"{path} holds secrets but is readable by group or others ({mode:04o}); chmod 600")
    return found


def file_modes(ctx: JobContext) -> tuple[dict[str, str], list[str]]:
    paths = ctx.paths
    secrets = {paths.keys_db, *sorted(paths.env_dir.glob("*.env"))} if paths.env_dir.is_dir() else {paths.keys_db}
    checked = [paths.etc, paths.config_file, paths.env_dir, *sorted(secrets), paths.backups,
               *sorted(paths.backups.glob("*.tar.gz"))]
    modes, findings = {}, []
    for path in checked:
        if path.exists():
            modes[str(path)] = f"{stat.S_IMODE(path.stat().st_mode):04o}"
            is_secret = path in secrets or path.parent == paths.backups
            findings += _mode_findings(path, is_secret)
    return modes, findings


def unit_exposure(ctx: JobContext) -> tuple[dict[str, dict] | None, list[str]]:
    """Scores of `systemd-analyze security --offline=yes` per installed unit; None when not possible."""
    units = sorted(p for p in ctx.paths.systemd.glob("citadel-llm*.service")) if ctx.paths.systemd.is_dir() else []
    if not units or ctx.runner.which("systemd-analyze") is None:
        return None, []
    scores, findings = {}, []
    for unit in units:
        # A template unit file is analysed as one instance of it; no systemd needs to run.
        result = ctx.runner.run(["systemd-analyze", "security", "--offline=yes", "--no-pager", str(unit)], timeout=60)
        match = EXPOSURE_RE.search(result.stdout + result.stderr)
        if not match:
            scores[unit.name] = {"error": (result.stderr.strip().splitlines() or ["no score"])[-1]}
            continue
        scores[unit.name] = {"exposure": float(match.group(2)), "level": match.group(3)}
        if float(match.group(2)) > EXPOSURE_WARN:
            findings.append(f"{unit.name} exposure {match.group(2)} {match.group(3)}")
    return scores, findings


def unused_keys(ctx: JobContext) -> tuple[list[dict], list[str]]:
    from gateway.keys import KeyStore

    days = ctx.config.maintenance.key_unused_days
    cutoff = ctx.now().timestamp() - days * DAY_S
    stale = [{"id": k.id, "name": k.name, "last_used": k.last_used, "created": k.created}
             for k in KeyStore(ctx.paths.keys_db).list()
             if k.revoked is None and (k.last_used or k.created) < cutoff]
    findings = [f"API key {k['name']} ({k['id']}) unused for {days}+ days; revoke it with "
                f"`citadel-llm keys revoke {k['id']}`" for k in stale]
    return stale, findings


def security_job(ctx: JobContext) -> JobResult:
    modes, mode_findings = file_modes(ctx)
    scores, unit_findings = unit_exposure(ctx)
    stale, key_findings = unused_keys(ctx)
    findings = mode_findings + unit_findings + key_findings
    details = {"file_modes": modes, "unit_exposure": scores if scores is not None else "skipped: no installed "
               "units or no systemd-analyze", "unused_keys": stale, "findings": findings}
    if not findings:
        return JobResult(name="security", status=Status.ok,
                         summary=f"{len(modes)} files, {len(scores or {})} units, no findings", details=details)
    return JobResult(name="security", status=Status.warn, summary=f"{len(findings)} findings: {findings[0]}"
                     + (" …" if len(findings) > 1 else ""), details=details)


security_job.job_name = "security"
