"""Deep verification of every enabled model's files against its lockfile (sha256 of each file)."""

from __future__ import annotations

from citadel_cli.maintenance.context import JobContext
from citadel_cli.maintenance.models import JobResult, Status


def verify_models_job(ctx: JobContext) -> JobResult:
    from citadel_cli.models.verify import verify_model_dir

    results, bad, unlocked = {}, [], []
    for spec in ctx.config.enabled_models():
        model_dir = spec.weights_dir or ctx.paths.model_dir(spec.key)
        result = verify_model_dir(model_dir, deep=True)
        results[spec.key] = result.model_dump(mode="json")
        if result.no_lockfile:
            unlocked.append(spec.key)
        elif not result.ok:
            bad.append(spec.key)
    details = {"models": results}
    if bad:
        summary = f"damaged: {', '.join(bad)} (run `citadel-llm models pull` to repair)"
        return JobResult(name="verify-models", status=Status.fail, summary=summary, details=details)
    checked = len(results) - len(unlocked)
    summary = f"{checked} models intact"
    if unlocked:
        # Simulated engines and models not pulled yet have no lockfile: nothing to check, not a fault.
        summary += f"; no lockfile (not pulled): {', '.join(unlocked)}"
    return JobResult(name="verify-models", status=Status.ok, summary=summary, details=details)


verify_models_job.job_name = "verify-models"
