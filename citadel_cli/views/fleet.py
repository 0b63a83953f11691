"""Tables for `citadel-llm fleet ...`."""

from __future__ import annotations

from rich.console import RenderableType

from citadel_cli.fleet.export_k8s import K8sExport
from citadel_cli.fleet.inventory import Bundle
from citadel_cli.fleet.results import FleetPlan, FleetResult
from citadel_cli.render import level, table

_STATE_LEVEL = {"ok": "ok", "failed": "fail", "unreachable": "fail", "skipped": "skip"}


def _healthy(value: bool | None) -> str:
    return {True: level("ok"), False: level("fail"), None: "?"}[value]


def fleet_view(result: FleetResult) -> list[RenderableType]:
    rows = [(h.host + (" (gateway)" if h.gateway else ""), h.address, ", ".join(h.models),
             level(_STATE_LEVEL.get(h.state, "info")) if h.state != "ok" else level("ok"), h.summary)
            for h in result.hosts]
    out: list[RenderableType] = [table(f"fleet {result.action}", ("host", "address", "models", "state", "answer"),
                                       rows)]
    if result.models:
        reps = [(m.model, level("ok") if m.serving else level("fail"), r.host or "-", r.url, _healthy(r.healthy),
                 "yes" if r.drained else "", r.breaker, r.last_error) for m in result.models for r in m.replicas]
        out.append(table(f"gateway on {result.gateway_host}: {result.gateway_url}",
                         ("model", "serving", "host", "url", "healthy", "drained", "breaker", "last error"), reps))
    if result.hosts_down:
        out.append(f"[bold red]hosts down at the gateway:[/] {', '.join(result.hosts_down)}")
    return out


def plan_view(plan: FleetPlan) -> list[RenderableType]:
    hosts = table(f"fleet plan: gateway {plan.gateway_url} on {plan.gateway_host}",
                  ("host", "ssh", "profile", "models", "config"),
                  [(h.host + (" (gateway)" if h.gateway else ""), h.ssh, h.profile, ", ".join(h.models),
                    h.config_path) for h in plan.hosts])
    models = table("replicas behind the gateway", ("model", "hosts", "backends"),
                   [(m.model, ", ".join(m.hosts), " ".join(m.urls)) for m in plan.models])
    return [hosts, models, *(f"[yellow]warning:[/] {w}" for w in plan.warnings)]


def bundle_line(bundle: Bundle) -> str:
    return (f"wrote {len(bundle.files)} files to {bundle.directory} ({', '.join(bundle.hosts)}; gateway on "
            f"{bundle.gateway_host}); run: ansible-playbook -i inventory.yml deploy.yml")


def k8s_view(export: K8sExport) -> list[str]:
    lines = [f"wrote {', '.join(export.files)} to {export.directory} for models {', '.join(export.models)}; "
             "install with: helm install citadel vllm/vllm-stack -f values.yaml"]
    return lines + [f"note: {n}" for n in export.notes]
