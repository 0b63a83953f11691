"""Engines' queue depth and KV-cache use (vLLM's metric names), the gateway's breakers and error rates."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from citadel_cli.diagnose.env import DiagnoseEnv
from citadel_cli.diagnose.model import BackendState, EngineMetrics, GatewayMetrics
from citadel_cli.services import ServiceDef

VLLM = {"vllm:num_requests_running": "running", "vllm:num_requests_waiting": "waiting",
        "vllm:kv_cache_usage_perc": "kv_cache_usage"}


def engines(env: DiagnoseEnv) -> list[EngineMetrics]:
    engines_ = env.engines
    if not engines_:
        return []
    with ThreadPoolExecutor(max_workers=len(engines_)) as pool:
        return list(pool.map(lambda s: engine(s, env.timeout_s), engines_))


def engine(svc: ServiceDef, timeout: float) -> EngineMetrics:
    text, error = _get_text(f"{svc.base_url}/metrics", timeout)
    if text is None:
        return EngineMetrics(model=svc.name, ok=False, error=error)
    values: dict[str, float] = {}
    for name, labels, value in samples(text):
        field = VLLM.get(name)
        if field and labels.get("model_name", svc.name) == svc.name:
            values[field] = values.get(field, 0.0) + value  # summed over engine replicas of one server
    return EngineMetrics(model=svc.name, ok=True, **values)


def gateway(env: DiagnoseEnv) -> GatewayMetrics:
    """Error counts from /metrics; backend health, breakers and last errors from /servers/status."""
    svc = env.gateway
    text, error = _get_text(f"{svc.base_url}/metrics", env.timeout_s)
    if text is None:
        return GatewayMetrics(ok=False, error=error)
    requests: dict[str, float] = {}
    errors: dict[str, float] = {}
    for name, labels, value in samples(text):
        if name == "llm_requests_total":
            model = labels.get("model", "?")
            requests[model] = requests.get(model, 0.0) + value
            if labels.get("status", "").startswith("5"):
                errors[model] = errors.get(model, 0.0) + value
    backends, error = _servers(svc, env.timeout_s)
    return GatewayMetrics(ok=error is None, requests=requests, errors=errors, backends=backends, error=error)


def _servers(svc: ServiceDef, timeout: float) -> tuple[list[BackendState], str | None]:
    import httpx

    try:
        response = httpx.get(f"{svc.base_url}/servers/status", timeout=timeout)
        servers = response.json().get("servers", [])
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return [], f"/servers/status: {exc or type(exc).__name__}"
    states = [BackendState(model=s.get("model", "?"), url=s.get("url", "?"), healthy=s.get("healthy"),
                           breaker=s.get("breaker"), failures=s.get("consecutive_failures"),
                           last_error=s.get("last_error")) for s in servers if isinstance(s, dict)]
    return states, None


def _get_text(url: str, timeout: float) -> tuple[str | None, str | None]:
    import httpx

    try:
        response = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        return None, str(exc) or type(exc).__name__
    if response.status_code != 200:
        return None, f"{url} answered {response.status_code}"
    return response.text, None


def samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    """(name, labels, value) of every sample in Prometheus text; unparseable input gives none."""
    from prometheus_client.parser import text_string_to_metric_families

    try:
        return [(s.name, s.labels, s.value) for fam in text_string_to_metric_families(text) for s in fam.samples]
    except ValueError:
        return []
