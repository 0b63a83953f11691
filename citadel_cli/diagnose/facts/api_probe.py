"""The API probe: one tiny completion per model, straight at its engine, with its latency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from citadel_cli.diagnose.env import DiagnoseEnv
from citadel_cli.diagnose.facts.connectivity import round_ms
from citadel_cli.diagnose.model import HttpCheck
from citadel_cli.services import ServiceDef


def collect(env: DiagnoseEnv) -> list[HttpCheck]:
    engines = env.engines
    if not engines:
        return []
    with ThreadPoolExecutor(max_workers=len(engines)) as pool:
        return list(pool.map(lambda s: completion(env, s), engines))


def completion(env: DiagnoseEnv, svc: ServiceDef) -> HttpCheck:
    """One one-token completion straight at the engine: /health alone can lie (notes: vllm-on-cpu)."""
    from citadel_cli.readiness import probe_completion

    probe = probe_completion(svc.base_url, svc.name, timeout=env.timeout_s)
    return HttpCheck(service=svc.name, url=f"{svc.base_url}/v1/completions", ok=probe.ok, status=probe.status,
                     ms=round_ms(probe.ms), error=probe.error)
