"""`fleet status`: the hosts' own status plus the gateway's view of every replica.

The gateway checks each backend on its own (active /health checks and a breaker fed by real
requests); a host is reported down here when every backend it carries is unhealthy there.
"""

from __future__ import annotations

from typing import Any

from citadel_cli.config import CitadelConfig
from citadel_cli.fleet.backends import hosts_backends
from citadel_cli.fleet.results import FleetResult, ModelReplicas, Replica, parse_answer


def gateway_view(config: CitadelConfig, result: FleetResult, answers: dict[str, dict[str, Any]]) -> FleetResult:
    recorded = answers.get(result.gateway_host) or {}
    servers = (parse_answer(str((recorded.get("steps") or {}).get("gateway") or "")) or {}).get("servers")
    if not isinstance(servers, list):
        return result  # the gateway did not answer: its host's row says why
    owner = {url: host for entries in hosts_backends(config).values() for host, url in entries}
    models: dict[str, list[Replica]] = {}
    for server in servers:
        models.setdefault(server["model"], []).append(Replica(
            host=owner.get(server["url"]), url=server["url"], healthy=server.get("healthy"),
            drained=bool(server.get("drained")), breaker=server.get("breaker"), last_error=server.get("last_error")))
    rows = [ModelReplicas(model=m, replicas=reps, serving=any(_routable(r) for r in reps))
            for m, reps in models.items()]
    down = _hosts_down(rows)
    ok = result.ok and all(r.serving for r in rows) and not down
    return result.model_copy(update={"models": rows, "hosts_down": down, "ok": ok})


def _routable(replica: Replica) -> bool:
    return replica.healthy is not False and not replica.drained and replica.breaker != "open"


def _hosts_down(rows: list[ModelReplicas]) -> list[str]:
    per_host: dict[str, list[bool]] = {}
    for row in rows:
        for rep in row.replicas:
            if rep.host:
                per_host.setdefault(rep.host, []).append(rep.healthy is False)
    return sorted(h for h, unhealthy in per_host.items() if unhealthy and all(unhealthy))
