"""The fleet's operations: plan (no SSH), run a citadel-llm command on every host, rolling deploy,
status with the gateway's view. Each returns a pydantic result for the renderer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from citadel_cli.config import CitadelConfig
from citadel_cli.errors import UsageError
from citadel_cli.fleet.backends import hosts_backends
from citadel_cli.fleet.hosts import HostConfig, host_configs
from citadel_cli.fleet.inventory import write_bundle
from citadel_cli.fleet.playbook import DEPLOY_FILE, RUN_FILE
from citadel_cli.fleet.results import (
    FleetPlan,
    FleetResult,
    HostResult,
    PlanHost,
    PlanModel,
    answer_ok,
    parse_answer,
    summarize,
)
from citadel_cli.fleet.runner import PlaybookRun, last_error, run_playbook
from citadel_cli.fleet.status import gateway_view
from citadel_cli.host.runner import Runner


def gateway_url(hosts: list[HostConfig]) -> str:
    gw = next(hc for hc in hosts if hc.is_gateway)
    return f"http://{gw.host.address}:{gw.config.gateway.port}"


def plan(config: CitadelConfig, file_data: dict[str, Any]) -> FleetPlan:
    hosts = host_configs(config, file_data)
    replicas = hosts_backends(config)
    warnings = [f"model {m.key} runs on no host: the gateway has no backend for it"
                for m in config.enabled_models() if m.key not in replicas]
    warnings += [f"model {key} has one replica ({entries[0][0]}): it goes down with its host"
                 for key, entries in replicas.items() if len(entries) == 1]
    return FleetPlan(
        gateway_host=next(hc.host.name for hc in hosts if hc.is_gateway), gateway_url=gateway_url(hosts),
        hosts=[PlanHost(host=hc.host.name, address=hc.host.address, ssh=f"{hc.host.ssh_user}@{hc.host.address}:"
                        f"{hc.host.ssh_port}", gateway=hc.is_gateway, models=list(hc.host.models),
                        config_path=str(hc.host.config_path), profile=hc.config.profile.value) for hc in hosts],
        models=[PlanModel(model=key, hosts=[h for h, _ in entries], urls=[u for _, u in entries])
                for key, entries in replicas.items()],
        warnings=warnings)


def run_on_hosts(config: CitadelConfig, file_data: dict[str, Any], runner: Runner, workdir: Path, action: str,
                 args: list[str], *, limit: list[str] | None = None, targets: bool = False,
                 timeout: float = 1800.0) -> FleetResult:
    """`citadel-llm <args> --json` on every (limited) host at once; status also asks the gateway."""
    hosts = _limited(host_configs(config, file_data), limit)
    bundle = write_bundle(config, hosts, workdir)
    extra = {"citadel_args": args, "citadel_targets": targets, "citadel_gateway_status": action == "status"}
    run = run_playbook(runner, Path(bundle.directory), RUN_FILE, limit=limit, extra_vars=extra, timeout=timeout)
    result = _gather(action, hosts, run, limit)
    if action == "status":
        result = gateway_view(config, result, run.answers)
    return result


def deploy(config: CitadelConfig, file_data: dict[str, Any], runner: Runner, workdir: Path, *,
           limit: list[str] | None = None, timeout: float = 3600.0) -> FleetResult:
    """One host at a time (gateway host first when it is first), each drained from the gateway
    while its own `citadel-llm deploy` runs."""
    hosts = _limited(host_configs(config, file_data), limit)
    bundle = write_bundle(config, hosts, workdir)
    run = run_playbook(runner, Path(bundle.directory), DEPLOY_FILE, limit=limit, timeout=timeout)
    return _gather("deploy", hosts, run, limit)


def _limited(hosts: list[HostConfig], limit: list[str] | None) -> list[HostConfig]:
    """All hosts (the inventory needs every one: the gateway host runs drains); `limit` only checked."""
    if limit:
        unknown = sorted(set(limit) - {hc.host.name for hc in hosts})
        if unknown:
            raise UsageError(f"--limit names unknown host(s): {', '.join(unknown)}",
                             hint=f"the fleet's hosts: {', '.join(hc.host.name for hc in hosts)}")
    return hosts


def _gather(action: str, hosts: list[HostConfig], run: PlaybookRun, limit: list[str] | None) -> FleetResult:
    rows = [_host_row(action, hc, run, limit) for hc in hosts]
    considered = [r for r in rows if not limit or r.host in limit]
    return FleetResult(action=action, ok=bool(considered) and all(r.ok for r in considered),
                       gateway_host=next(hc.host.name for hc in hosts if hc.is_gateway),
                       gateway_url=gateway_url(hosts), hosts=rows)


def _host_row(action: str, hc: HostConfig, run: PlaybookRun, limit: list[str] | None) -> HostResult:
    name = hc.host.name
    base = {"host": name, "address": hc.host.address, "gateway": hc.is_gateway, "models": list(hc.host.models)}
    recorded = run.answers.get(name)
    if recorded is None:
        if limit and name not in limit:
            return HostResult(**base, ok=True, reachable=True, state="skipped", summary="not in --limit")
        unreachable = name in run.unreachable
        summary = last_error(run.output, name) if (unreachable or name in run.failed) else \
            "not run: an earlier host failed" if action == "deploy" else "no answer"
        return HostResult(**base, ok=False, reachable=not unreachable,
                          state="unreachable" if unreachable else "skipped" if action == "deploy" else "failed",
                          summary=summary)
    rc = int(recorded.get("rc", 1))
    answer = parse_answer(recorded.get("stdout", ""))
    ok = answer_ok(action, rc, answer)
    return HostResult(**base, ok=ok, reachable=True, state="ok" if ok else "failed", exit_code=rc,
                      summary=summarize(action, answer, recorded.get("stderr", "")), answer=answer,
                      steps={k: v for k, v in (recorded.get("steps") or {}).items() if k != "gateway"})
