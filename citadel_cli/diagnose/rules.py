"""Facts in, findings out: what is wrong, the evidence, and the fix. Pure functions of Facts.

Findings build on each other so the operator reads one cause, not five symptoms: a stopped
engine is one `service.down` (its /health, completion and metrics failing are implied), and a
foreign process on its port turns that finding's fix into "free the port first".
"""

from __future__ import annotations

from citadel_cli.checks.findings import Level
from citadel_cli.config import CitadelConfig
from citadel_cli.diagnose import rules_host, rules_logs
from citadel_cli.diagnose.model import Diagnosis, Facts, HttpCheck, PortFact, by_severity
from citadel_cli.host.service_manager import ServiceStatus
from citadel_cli.services import GATEWAY

RUNNING = ("active", "activating", "reloading")


def fail(id: str, summary: str, fix: str, model: str | None = None, evidence: list[str] | None = None) -> Diagnosis:
    return Diagnosis(id=id, model=model, level=Level.fail, summary=summary, fix=fix, evidence=evidence or [])


def warn(id: str, summary: str, fix: str, model: str | None = None, evidence: list[str] | None = None) -> Diagnosis:
    return Diagnosis(id=id, model=model, level=Level.warn, summary=summary, fix=fix, evidence=evidence or [])


def ok(id: str, summary: str, model: str | None = None) -> Diagnosis:
    return Diagnosis(id=id, model=model, level=Level.ok, summary=summary)


def diagnose(facts: Facts, config: CitadelConfig) -> list[Diagnosis]:
    view = View(facts)
    findings = [*_collector_errors(facts)]
    findings += _services(view, config)
    findings += _foreign_ports(view, config)
    findings += _engines_http(view, config)
    findings += _gateway(view, config)
    findings += rules_logs.findings(facts, config, view.unhealthy())
    findings += rules_host.findings(facts, config)
    return by_severity(findings)


class View:
    """Lookups by service name over the facts."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self.status = {s.name: s for s in (facts.services.statuses if facts.services else [])}
        self.ports = {p.service: p for p in facts.ports}
        self.health = {h.service: h for h in facts.health}
        self.completions = {c.service: c for c in facts.completions}

    def running(self, name: str) -> bool:
        st = self.status.get(name)
        return st is None or st.state in RUNNING  # unknown state: let the HTTP facts speak

    def foreign(self, name: str) -> PortFact | None:
        port = self.ports.get(name)
        return port if port and port.listening and port.ours is not True else None

    def unhealthy(self) -> set[str]:
        """Services that are down or fail a probe: their log signatures are the likely cause."""
        bad = {n for n in self.status if not self.running(n)}
        bad |= {c.service for c in [*self.facts.health, *self.facts.completions] if not c.ok}
        return bad


def _collector_errors(facts: Facts) -> list[Diagnosis]:
    return [warn("diagnose.collector", f"could not collect {name} facts: {error}",
                 "rerun with --debug and report it (attach `citadel-llm diagnose --bundle FILE.tar.gz`)")
            for name, error in facts.collector_errors.items()]


# --- services -------------------------------------------------------------------------------------


def _services(view: View, config: CitadelConfig) -> list[Diagnosis]:
    services = view.facts.services
    if services is None:
        return []
    if services.error:
        return [warn("service.state", f"the {services.backend} backend could not report states: {services.error}",
                     "run `citadel-llm status --debug`")]
    return [_service(st, view, config) for st in services.statuses]


def _service(st: ServiceStatus, view: View, config: CitadelConfig) -> Diagnosis:
    model = None if st.name == GATEWAY else st.name
    evidence = [f"{st.unit}: {st.state}" + (f" ({st.sub_state})" if st.sub_state else "")]
    if st.message:
        evidence.append(f"last exit: {st.message}")
    if not view.running(st.name):
        return fail("service.down", f"{st.unit} is {st.state}" + (f": {st.message}" if st.message else ""),
                    _start_fix(st.name, view.foreign(st.name), config), model, evidence + _tail(view, st.name))
    if st.restarts:
        return warn("service.restarts", f"{st.unit} restarted {st.restarts} time(s) since it was started",
                    f"it keeps dying: read `citadel-llm logs {st.name}` (log findings below name known causes)",
                    model, evidence)
    uptime = f", up {st.uptime_s:.0f} s" if st.uptime_s is not None else ""
    return ok("service.state", f"{st.unit} is {st.state} (pid {st.pid}{uptime})", model)


def _start_fix(name: str, foreign: PortFact | None, config: CitadelConfig) -> str:
    start = f"`citadel-llm start {name}`"
    if foreign is None:
        return f"start it: {start}; if it stops again, `citadel-llm logs {name}` says why"
    who = f"pid {foreign.pid}" if foreign.pid else "another process"
    return f"its port {foreign.port} is held by {who}: free it (see port.foreign), then {start}"


def _tail(view: View, name: str, lines: int = 3) -> list[str]:
    logs = view.facts.logs
    tail = logs.tails.get(name, []) if logs else []
    return [f"log: {line}" for line in tail[-lines:]]


def _foreign_ports(view: View, config: CitadelConfig) -> list[Diagnosis]:
    found = []
    for port in view.facts.ports:
        if not (port.listening and port.ours is not True):
            continue
        key = "gateway.port" if port.service == GATEWAY else f"models.{port.service}.port"
        model = None if port.service == GATEWAY else port.service
        where = f"{port.host}:{port.port}"
        if port.pid is None:
            found.append(fail("port.foreign", f"{where} ({port.service}'s port) is held by a process this user "
                              "cannot see", f"find it with `sudo ss -ltnp 'sport = :{port.port}'`, stop it or "
                              f"move {key} to a free port; then `citadel-llm restart {port.service}`", model))
            continue
        found.append(fail("port.foreign", f"{where} ({port.service}'s port) is held by pid {port.pid}, which "
                          f"is not our {port.service} service", f"stop that process (`kill {port.pid}`) or move "
                          f"{key} to a free port; then `citadel-llm restart {port.service}`", model,
                          [f"pid {port.pid}: {port.command}"]))
    return found


# --- HTTP: engines --------------------------------------------------------------------------------


def _engines_http(view: View, config: CitadelConfig) -> list[Diagnosis]:
    found = []
    for spec in config.enabled_models():
        if not view.running(spec.key) or view.foreign(spec.key):
            continue  # service.down / port.foreign already say it
        health, probe = view.health.get(spec.key), view.completions.get(spec.key)
        if health is not None and not health.ok:
            found.append(fail("engine.health", f"{spec.key} does not answer /health: {health.error}",
                              f"read `citadel-llm logs {spec.key}`, then `citadel-llm restart {spec.key}`",
                              spec.key, _http_evidence(health)))
        elif probe is not None:
            found.append(_completion(probe, spec.key, spec.p95_ms))
    return found


def _completion(probe: HttpCheck, key: str, p95_ms: float) -> Diagnosis:
    if probe.ok:
        if probe.ms is not None and probe.ms > p95_ms:
            return warn("api.completion", f"a 1-token completion took {probe.ms:.0f} ms, above the p95 "
                        f"target of {p95_ms:.0f} ms", f"the engine is overloaded or starved of CPU: check "
                        f"engine.queue and `citadel-llm status`; lower load or raise models.{key}.cpus", key)
        return ok("api.completion", f"a 1-token completion answered in {probe.ms or 0:.0f} ms", key)
    if probe.status is not None and probe.status >= 500:
        summary = f"{key} answers /health but its completions fail with HTTP {probe.status}"
        fix = (f"the engine is up but cannot generate: read `citadel-llm logs {key}` for the error, then "
               f"`citadel-llm restart {key}`")
    elif probe.status is None:
        summary = f"{key} answers /health but a 1-token completion got no answer ({probe.error})"
        fix = f"the engine is hung or overloaded: `citadel-llm restart {key}` (logs: `citadel-llm logs {key}`)"
    else:
        summary = f"{key} refused a 1-token completion with HTTP {probe.status}"
        fix = (f"the engine does not serve the model name {key!r}: check models.{key} and "
               f"`citadel-llm engine argv {key}`, then `citadel-llm restart {key}`")
    return fail("api.completion", summary, fix, key, _http_evidence(probe))


def _http_evidence(check: HttpCheck) -> list[str]:
    shown = f"{check.url}: " + (f"HTTP {check.status}" if check.status is not None else "no answer")
    return [shown + (f" after {check.ms:.0f} ms" if check.ms is not None else "")] + (
        [check.error] if check.error else [])


# --- HTTP: gateway --------------------------------------------------------------------------------


def _gateway(view: View, config: CitadelConfig) -> list[Diagnosis]:
    ready = view.health.get(GATEWAY)
    if ready is None or not view.running(GATEWAY) or view.foreign(GATEWAY):
        return []
    if ready.ok:
        return [ok("gateway.ready", f"the gateway routes every model ({ready.ms or 0:.0f} ms)")]
    models = (ready.body or {}).get("models")
    down = sorted(m for m, up in models.items() if not up) if isinstance(models, dict) else []
    if down:
        return [fail("gateway.ready", f"the gateway has no healthy backend for {', '.join(down)}",
                     f"fix those engines (findings above); the gateway routes to them again within "
                     f"{config.gateway.health_interval_s:g} s of them answering", None, _http_evidence(ready))]
    return [fail("gateway.ready", f"the gateway is not ready: {ready.error}",
                 "read `citadel-llm logs gateway`, then `citadel-llm restart gateway`", None, _http_evidence(ready))]
