"""Health of every service, and the watchdog: an engine whose /health keeps failing is restarted.

A failure is a probe that times out or answers an error: the process is there but wedged. A refused
connection is "down" (stopped by an operator, or crashed and left to the backend's Restart=), which
the watchdog reports but never restarts. Each run probes an engine a few times; consecutive failures
are kept in the state dir between runs, so `watchdog_failures` may span runs (a limit above the
probes of one run) and a single slow answer never restarts anything.
"""

from __future__ import annotations

import json
import time

from citadel_cli.fsutil import atomic_write
from citadel_cli.maintenance.context import JobContext
from citadel_cli.maintenance.models import JobResult, Status
from citadel_cli.maintenance.probe import Probe, ProbeResult, probe_health
from citadel_cli.services import ServiceDef, all_services, engine_service

STATE_FILE = "watchdog.json"


def health_job(ctx: JobContext) -> JobResult:
    """One /health probe of every service (engines, then the gateway)."""
    results = {svc.name: probe_health(svc.base_url, ctx.http_timeout_s) for svc in all_services(ctx.config, ctx.paths)}
    bad = {name: r for name, r in results.items() if r.outcome is not Probe.ok}
    details = {name: r.model_dump(mode="json") for name, r in results.items()}
    if not bad:
        return JobResult(name="health", status=Status.ok, summary=f"{len(results)} services healthy", details=details)
    listing = ", ".join(f"{name} {r.outcome}" for name, r in bad.items())
    return JobResult(name="health", status=Status.fail, summary=f"{len(bad)} of {len(results)} unhealthy: {listing}",
                     details=details)


health_job.job_name = "health"


def load_state(ctx: JobContext) -> dict[str, int]:
    path = ctx.state_dir / STATE_FILE
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return {}  # a damaged state file only costs the counts so far; the next probes rebuild them
    return {str(k): int(v) for k, v in data.get("failures", {}).items()}


def save_state(ctx: JobContext, failures: dict[str, int]) -> None:
    atomic_write(ctx.state_dir / STATE_FILE, json.dumps({"failures": failures}, indent=2) + "\n")


def watchdog_job(ctx: JobContext) -> JobResult:
    failures = load_state(ctx)
    engines = [engine_service(spec, ctx.config, ctx.paths) for spec in ctx.config.enabled_models()]
    outcomes = {svc.name: _watch(ctx, svc, failures) for svc in engines}
    save_state(ctx, {name: n for name, n in failures.items() if n})
    return _summarise(outcomes)


watchdog_job.job_name = "watchdog"


def _watch(ctx: JobContext, svc: ServiceDef, failures: dict[str, int]) -> dict:
    """Probe until healthy or down, or until this run's probes are spent; restart at the limit."""
    limit = ctx.config.maintenance.watchdog_failures
    for attempt in range(ctx.watchdog_probes_per_run):
        if attempt:
            time.sleep(ctx.probe_interval_s)  # spacing between probes, so one slow answer is not a "wedge"
        probe = probe_health(svc.base_url, ctx.http_timeout_s)
        if probe.outcome in (Probe.ok, Probe.down):
            failures[svc.name] = 0  # healthy, or not wedged: nothing counts towards a restart
            return {"action": "none", "probe": probe.outcome.value, "detail": probe.detail}
        failures[svc.name] = failures.get(svc.name, 0) + 1
        if failures[svc.name] >= limit:
            return _restart(ctx, svc, failures, probe)
    return {"action": "none", "probe": probe.outcome.value, "detail": probe.detail,
            "failed_probes": failures[svc.name], "restart_at": limit}


def _restart(ctx: JobContext, svc: ServiceDef, failures: dict[str, int], probe: ProbeResult) -> dict:
    count = failures[svc.name]
    failures[svc.name] = 0
    ctx.service_manager().restart([svc])
    recovered = _wait_healthy(ctx, svc)
    return {"action": "restarted", "failed_probes": count, "last_failure": probe.detail or probe.outcome.value,
            "healthy_after_restart": recovered}


def _wait_healthy(ctx: JobContext, svc: ServiceDef) -> bool:
    deadline = time.monotonic() + ctx.recover_timeout_s
    while time.monotonic() < deadline:
        if probe_health(svc.base_url, ctx.http_timeout_s).outcome is Probe.ok:
            return True
        time.sleep(0.2)  # poll interval under the deadline above
    return False


def _summarise(outcomes: dict[str, dict]) -> JobResult:
    restarted = [n for n, o in outcomes.items() if o["action"] == "restarted"]
    unrecovered = [n for n in restarted if not outcomes[n]["healthy_after_restart"]]
    failing = [f"{n} ({o['failed_probes']}/{o['restart_at']} failed probes)" for n, o in outcomes.items()
               if o["action"] == "none" and "failed_probes" in o]
    down = [n for n, o in outcomes.items() if o.get("probe") == Probe.down.value]
    if unrecovered:
        status, summary = Status.fail, f"restarted {', '.join(restarted)}; still unhealthy: {', '.join(unrecovered)}"
    elif restarted:
        status, summary = Status.warn, f"restarted {', '.join(restarted)} (wedged); healthy again"
    elif failing:
        status, summary = Status.warn, f"failing /health, restart when it goes on: {', '.join(failing)}"
    else:
        status, summary = Status.ok, f"{len(outcomes)} engines watched, none wedged"
    if down:
        summary += f"; down, not restarted: {', '.join(down)}"
    return JobResult(name="watchdog", status=status, summary=summary, details={"engines": outcomes})
