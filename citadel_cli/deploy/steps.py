"""The steps of a deploy. Each takes the Deployment, does its work through the services that
own it (installer, models, checks, lifecycle), and returns a one-line detail or raises
StepFailed naming what went wrong and the command to run next."""

from __future__ import annotations

from citadel_cli.config import Profile
from citadel_cli.deploy.pipeline import Deployment, StepFailed
from citadel_cli.errors import CitadelError


def install(dep: Deployment) -> str:
    from citadel_cli.install.apply import apply_install
    from citadel_cli.install.plan import InstallOptions, plan_install
    from citadel_cli.install.schedule import ScheduleKind

    production = dep.config.profile is Profile.production
    # The local profile runs from this interpreter under the supervisor: no engine venv, no timers.
    options = InstallOptions(engine=production and bool(dep.weighted_specs),
                             schedule=ScheduleKind.timers if production else ScheduleKind.none)
    plan = plan_install(dep.config, dep.paths, options)
    if dep.dry_run:
        return f"{plan.changes} change(s) planned under {plan.root}"
    try:
        result = apply_install(plan, dep.app.runner, dep.paths)
    except CitadelError as exc:
        raise StepFailed("install", exc.message, exc.hint or "run `citadel-llm install -v` to see the plan") from None
    return f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"


def pull(dep: Deployment) -> str:
    """Weights for every model that needs them: verified ones are kept, the rest pulled."""
    from citadel_cli.models.store import model_path
    from citadel_cli.models.verify import verify_model_dir

    if not dep.weighted_specs:
        return "nothing to download: the simulator needs no weights"
    to_pull, tiny = [], []
    for spec in dep.weighted_specs:
        folder = model_path(spec, dep.paths)
        if verify_model_dir(folder).ok:
            continue
        (tiny if _is_local_tiny(dep, folder) else to_pull).append(spec.key)
    if dep.dry_run:
        return f"would build the tiny model for {len(tiny)} and pull {', '.join(to_pull) or 'nothing'}"
    made = _make_tiny(dep, tiny)
    _pull(dep, to_pull)
    kept = len(dep.weighted_specs) - len(to_pull) - len(tiny)
    return f"{kept} verified on disk, {len(to_pull)} pulled" + (f", {made}" if made else "")


def _is_local_tiny(dep: Deployment, folder) -> bool:  # noqa: ANN001 - a Path
    from citadel_cli.deploy.local import TINY_DIR_NAME

    return dep.local and folder.name == TINY_DIR_NAME


def _make_tiny(dep: Deployment, keys: list[str]) -> str:
    if not keys:
        return ""
    from citadel_cli.models.store import model_path
    from citadel_cli.models.tiny import make_tiny

    folder = model_path(dep.config.model(keys[0]), dep.paths)
    tiny = make_tiny(folder)
    return f"tiny model built ({tiny.parameters:,} parameters) for {', '.join(keys)}"


def _pull(dep: Deployment, keys: list[str]) -> None:
    if not keys:
        return
    from citadel_cli.models.pull import pull_models

    try:
        pull_models(dep.config, dep.paths, keys)
    except CitadelError as exc:
        raise StepFailed("pull", exc.message,
                         exc.hint or f"run `citadel-llm models pull {' '.join(keys)}` to retry") from None


def check(dep: Deployment) -> str:
    from citadel_cli.checks.runner import run_checks

    report = run_checks(dep.config, dep.paths, dep.specs, source=dep.app.loaded.source)
    failures = report.failures()
    if dep.dry_run:  # the install step of a real run creates the directories these complain about
        failures = [f for f in failures if not f.id.startswith("dirs.")]
    if failures:
        first = failures[0]
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        who = f"{first.model}: " if first.model else ""
        see = "see `citadel-llm check --all`"
        raise StepFailed("check", f"{who}{first.summary}{more}", f"{first.fix}; {see}" if first.fix else see)
    counts = report.counts
    return f"{counts.get('ok', 0)} ok, {counts.get('warn', 0)} warning(s)"


def start(dep: Deployment) -> str:
    from citadel_cli import lifecycle

    manager = lifecycle.manager_for(dep.app)
    dep.backend = manager.backend
    if dep.rolling:  # what runs already is restarted by the rolling step, one model at a time
        dep.running_before = _running(dep, manager)
    result = lifecycle.start_services(dep.config, dep.paths, dep.targets(), manager=manager,
                                      on_event=dep.on_event)
    for outcome in result.services:
        if outcome.name in dep.models:
            dep.models[outcome.name] = dep.models[outcome.name].model_copy(update={
                "state": "ready" if outcome.ok else "failed", "load_s": outcome.seconds, "error": outcome.error})
    if not result.ok:
        _stop_failed(dep, manager, [f.name for f in result.failures])
        first = result.failures[0]
        tail = ("; last log lines: " + " | ".join(first.log_tail[-3:])) if first.log_tail else ""
        raise StepFailed("start", f"{first.error or first.unit + ' failed'}{tail}",
                         f"see `citadel-llm logs {first.name}`; fix it, then run the same deploy again")
    ready = sum(o.ok for o in result.services)
    return f"{ready} service(s) ready ({result.backend})"


def rolling(dep: Deployment) -> str:
    """Restart the models that were already running, one at a time, behind the gateway."""
    from citadel_cli import lifecycle
    from citadel_cli.deploy.rolling import rolling_restart

    keys = [s.key for s in dep.specs if s.key in dep.running_before]
    if not keys:
        return "nothing was running before: no restart needed"
    result = rolling_restart(dep.config, dep.paths, lifecycle.manager_for(dep.app), keys, runner=dep.app.runner,
                             on_event=dep.on_event)
    if not result.ok:
        failed = next(m for m in result.models if not m.ok)
        raise StepFailed("rolling", f"{failed.model}: {failed.detail}",
                         f"see `citadel-llm logs {failed.model}`; the models after it were not restarted")
    return f"restarted {len(keys)} model(s) one at a time, no request dropped"


def _running(dep: Deployment, manager) -> set[str]:  # noqa: ANN001 - a ServiceManager
    from citadel_cli.services import engine_service

    services = [engine_service(s, dep.config, dep.paths) for s in dep.specs]
    return {st.name for st in manager.status(services, usage=False) if st.state == "active"}


def _stop_failed(dep: Deployment, manager, names: list[str]) -> None:  # noqa: ANN001 - a ServiceManager
    """A service that failed to come up is stopped, not left crash-looping on the old settings, so the
    next deploy (after the fix) starts it fresh."""
    from citadel_cli.services import resolve_targets

    manager.stop(resolve_targets(dep.config, dep.paths, names), dep.config.service.stop_timeout_s)


def probe(dep: Deployment) -> str:
    """Time to the first token of one streamed chat per model, through the gateway when it needs no
    key (the operator's keys are not ours to use), else straight to the engine."""
    from concurrent.futures import ThreadPoolExecutor

    from citadel_cli.deploy.probe import first_token
    from citadel_cli.services import engine_service, gateway_service

    gateway = gateway_service(dep.config, dep.paths).base_url
    urls = {s.key: gateway if not dep.config.gateway.auth else engine_service(s, dep.config, dep.paths).base_url
            for s in dep.specs}
    with ThreadPoolExecutor(max_workers=max(1, len(urls))) as pool:
        results = list(pool.map(lambda key: first_token(urls[key], key), urls))
    for res in results:
        dep.models[res.model] = dep.models[res.model].model_copy(update={
            "first_token_ms": res.first_token_ms, "error": res.error if not res.ok else None})
    failed = [r for r in results if not r.ok]
    if failed:
        raise StepFailed("probe", f"{failed[0].model}: the probe chat failed: {failed[0].error}",
                         "run `citadel-llm diagnose` to see why")
    via = "the engines (gateway auth is on)" if dep.config.gateway.auth else "the gateway"
    return f"{len(results)} model(s) answered a streamed chat through {via}"
