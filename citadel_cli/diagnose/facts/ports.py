"""Our ports: who listens on each, and whether that process is our service."""

from __future__ import annotations

from citadel_cli.diagnose.env import DiagnoseEnv
from citadel_cli.diagnose.model import PortFact
from citadel_cli.services import ServiceDef, ServiceKind


def collect(env: DiagnoseEnv) -> list[PortFact]:
    from citadel_cli.checks.hostfacts import HostFacts

    facts = HostFacts()
    return [_fact(svc, facts) for svc in env.services]


def _fact(svc: ServiceDef, facts) -> PortFact:  # facts: checks.hostfacts.HostFacts (the check's probes)
    from citadel_cli.checks.ports import GATEWAY_MARKERS, engine_markers, is_ours

    base = {"service": svc.name, "host": svc.host, "port": svc.port}
    if facts.port_free(svc.host, svc.port):
        return PortFact(**base, listening=False)
    listener = facts.listener(svc.port)
    if listener is None or listener.pid is None:
        return PortFact(**base, listening=True)  # held by a process this user may not look at
    markers = GATEWAY_MARKERS if svc.kind is ServiceKind.gateway else engine_markers(svc.name)
    command = " ".join(listener.cmdlines[0])[:160] if listener.cmdlines else "?"
    return PortFact(**base, listening=True, pid=listener.pid, command=command,
                    ours=is_ours(listener, markers))
