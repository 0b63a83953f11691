"""Request statistics from the gateway's Prometheus /metrics.

Counters grow from the gateway's start; the last reading is kept in the state dir, so each daily
report holds the requests since the previous run (what the monthly capacity trend adds up).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict

from citadel_cli.fsutil import atomic_write
from citadel_cli.maintenance.context import JobContext
from citadel_cli.maintenance.models import JobResult, Status
from citadel_cli.maintenance.probe import fetch_text
from citadel_cli.services import gateway_service

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+([^\s]+)')
LABEL_RE = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')
STATE_FILE = "gateway_metrics.json"
ERROR_RATE_WARN = 0.05  # share of 5xx answers above which the day is worth a look


def parse_samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    """Samples of one metric in the Prometheus text format: (labels, value)."""
    samples = []
    for line in text.splitlines():
        match = SAMPLE_RE.match(line)
        if not match or match.group(1) != name:
            continue
        try:
            value = float(match.group(3))
        except ValueError:
            continue
        samples.append((dict(LABEL_RE.findall(match.group(2) or "")), value))
    return samples


def request_counts(text: str) -> dict[str, dict[str, float]]:
    """Requests per model and status class (2xx, 4xx, 5xx) since the gateway started."""
    counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for labels, value in parse_samples(text, "llm_requests_total"):
        status = labels.get("status", "")
        klass = f"{status[0]}xx" if status[:1].isdigit() else status or "unknown"
        counts[labels.get("model", "unknown")][klass] += value
    return {model: dict(by_class) for model, by_class in counts.items()}


def mean_latency(text: str) -> dict[str, float]:
    """Mean request time per model (ms), over every endpoint."""
    sums: dict[str, float] = defaultdict(float)
    counts: dict[str, float] = defaultdict(float)
    for labels, value in parse_samples(text, "llm_request_duration_seconds_sum"):
        sums[labels.get("model", "unknown")] += value
    for labels, value in parse_samples(text, "llm_request_duration_seconds_count"):
        counts[labels.get("model", "unknown")] += value
    return {m: round(sums[m] / n * 1000, 1) for m, n in counts.items() if n}


def since_last(current: dict[str, dict[str, float]], previous: dict[str, dict[str, float]]):
    """Per-model deltas; a counter that went down means the gateway restarted, so take it whole."""
    delta = {}
    for model, by_class in current.items():
        before = previous.get(model, {})
        reset = any(v < before.get(k, 0) for k, v in by_class.items())
        delta[model] = {k: v if reset else v - before.get(k, 0) for k, v in by_class.items()}
    return delta


def gateway_metrics_job(ctx: JobContext) -> JobResult:
    text = fetch_text(f"{gateway_service(ctx.config, ctx.paths).base_url}/metrics", ctx.http_timeout_s)
    current = request_counts(text)
    state_path = ctx.state_dir / STATE_FILE
    previous = json.loads(state_path.read_text()) if state_path.is_file() else {}
    delta = since_last(current, previous)
    atomic_write(state_path, json.dumps(current, indent=2) + "\n")
    total = sum(sum(c.values()) for c in delta.values())
    errors = sum(c.get("5xx", 0) for c in delta.values())
    rate = errors / total if total else 0.0
    details = {"requests_since_last_run": delta, "requests_total": current, "requests": total,
               "errors_5xx": errors, "error_rate": round(rate, 4), "mean_latency_ms": mean_latency(text)}
    status = Status.warn if rate > ERROR_RATE_WARN else Status.ok
    summary = f"{total:g} requests since the last run, {errors:g} failed ({rate:.1%})"
    return JobResult(name="gateway-metrics", status=status, summary=summary, details=details)


gateway_metrics_job.job_name = "gateway-metrics"
