"""A short performance check per model: a few one-token completions against each engine, the
median compared with last week's report. Small on purpose: it runs on a production host at night
and must not load it; `citadel-llm bench` is the tool for real measurements."""

from __future__ import annotations

import statistics

from citadel_cli.maintenance.context import JobContext
from citadel_cli.maintenance.models import JobResult, Status
from citadel_cli.maintenance.runner import previous_report
from citadel_cli.services import engine_service

SAMPLES = 5
SLOWER_WARN = 1.5  # a median this many times last week's is a regression worth a look
PROBE_TIMEOUT_S = 30.0


def measure(base_url: str, model: str, samples: int = SAMPLES) -> dict:
    from citadel_cli.readiness import probe_completion

    times, error = [], None
    for _ in range(samples):
        probe = probe_completion(base_url, model, timeout=PROBE_TIMEOUT_S)
        if not probe.ok:
            error = probe.error
            break
        times.append(probe.ms)
    if error:
        return {"ok": False, "error": error}
    return {"ok": True, "samples": len(times), "median_ms": round(statistics.median(times), 1),
            "max_ms": round(max(times), 1)}


def _last_week(ctx: JobContext) -> dict[str, dict]:
    report = previous_report(ctx.reports_dir, "weekly")
    for job in report.jobs if report else []:
        if job.name == "performance":
            return job.details.get("models", {})
    return {}


def _compare(now: dict, before: dict | None) -> str | None:
    """A regression note, or None."""
    if not now.get("ok") or not before or not before.get("ok") or not before.get("median_ms"):
        return None
    ratio = now["median_ms"] / before["median_ms"]
    now["vs_last_week"] = round(ratio, 2)
    if ratio >= SLOWER_WARN:
        return f"{ratio:.1f}x slower than last week ({before['median_ms']:g} -> {now['median_ms']:g} ms)"
    return None


def performance_job(ctx: JobContext) -> JobResult:
    before = _last_week(ctx)
    models, problems = {}, []
    for spec in ctx.config.enabled_models():
        result = measure(engine_service(spec, ctx.config, ctx.paths).base_url, spec.key)
        models[spec.key] = result
        note = result.get("error") if not result["ok"] else _compare(result, before.get(spec.key))
        if note:
            problems.append(f"{spec.key} {note}")
    details = {"models": models, "samples": SAMPLES}
    if problems:
        return JobResult(name="performance", status=Status.warn, summary="; ".join(problems), details=details)
    medians = ", ".join(f"{k} {v['median_ms']:g} ms" for k, v in models.items())
    return JobResult(name="performance", status=Status.ok, summary=f"median one-token latency: {medians}",
                     details=details)


performance_job.job_name = "performance"
