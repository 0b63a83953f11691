"""What `fleet` commands return: one row per host, plus the gateway's view of every replica."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field


class HostResult(BaseModel):
    host: str
    address: str
    gateway: bool = Field(description="This host runs the fleet's gateway.")
    models: list[str]
    ok: bool
    reachable: bool
    state: str = Field(description="ok | failed | unreachable | skipped (not run: --limit or an earlier failure)")
    summary: str = Field(description="One line from the host's own citadel-llm answer.")
    exit_code: int | None = None
    answer: Any = Field(None, description="The host's citadel-llm --json output, parsed.")
    steps: dict[str, Any] = Field(default_factory=dict, description="Drain/undrain counts of a deploy.")


class Replica(BaseModel):
    host: str | None = Field(description="The fleet host of this backend (None: an extra backend URL).")
    url: str
    healthy: bool | None
    drained: bool = False
    breaker: str | None = None
    last_error: str | None = None


class ModelReplicas(BaseModel):
    model: str
    serving: bool = Field(description="At least one replica is healthy and in rotation.")
    replicas: list[Replica]


class FleetResult(BaseModel):
    action: str
    ok: bool
    gateway_host: str
    gateway_url: str
    hosts: list[HostResult]
    models: list[ModelReplicas] = Field(default_factory=list, description="fleet status: the gateway's view.")
    hosts_down: list[str] = Field(default_factory=list,
                                  description="Hosts whose every backend the gateway marks unhealthy.")


class PlanHost(BaseModel):
    host: str
    address: str
    ssh: str
    gateway: bool
    models: list[str]
    config_path: str
    profile: str


class PlanModel(BaseModel):
    model: str
    hosts: list[str]
    urls: list[str]


class FleetPlan(BaseModel):
    gateway_host: str
    gateway_url: str
    hosts: list[PlanHost]
    models: list[PlanModel]
    warnings: list[str]


def parse_answer(stdout: str) -> Any:
    """The JSON a host's citadel-llm printed, or None when it printed none (it failed early)."""
    try:
        return json.loads(stdout) if stdout.strip() else None
    except json.JSONDecodeError:
        return None


def summarize(action: str, answer: Any, stderr: str) -> str:
    """One line per host from whatever shape the host's command answered with."""
    if isinstance(answer, list):  # status: one entry per service
        up = sum(1 for s in answer if s.get("state") == "active")
        ready = sum(1 for s in answer if s.get("ready"))
        down = [s["name"] for s in answer if s.get("state") != "active"]
        return f"{up}/{len(answer)} active, {ready} ready" + (f"; down: {', '.join(down)}" if down else "")
    if isinstance(answer, dict):
        if action == "deploy":
            return _deploy_line(answer)
        for key in ("verdict", "error", "summary"):
            if answer.get(key):
                return str(answer[key])
        if "status" in answer:
            return f"{answer['status']}: {len(answer.get('jobs', []))} job(s)"
    last = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    return last[-1][:300] if last else "no answer"


def _deploy_line(answer: dict[str, Any]) -> str:
    if not answer.get("ok"):
        return f"failed at {answer.get('failed_step')}: {answer.get('error')}"
    models = answer.get("models") or []
    ready = [m["key"] for m in models if m.get("state") == "ready"]
    return f"{len(ready)} model(s) ready: {', '.join(ready)}"


def answer_ok(action: str, rc: int, answer: Any) -> bool:
    if rc != 0:
        return False
    if action == "status" and isinstance(answer, list):
        return all(s.get("state") == "active" for s in answer)
    return True
