"""From the records of one level to its figures: throughput, latency percentiles, goodput.

Definitions follow `vllm bench serve`, so the two can be compared: TTFT is the time to the first
token chunk; TPOT per request is (e2e - TTFT) / (output tokens - 1); ITL pools every gap between
successive token chunks (clients.is_token); percentiles interpolate linearly (numpy's default).
One difference: vLLM's bench also counts the gap from the role-only opening chunk to the first
token, which is ~0, so its mean ITL is lower than ours by about one gap in (output tokens).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from citadel_cli.bench.clients import Record
from citadel_cli.bench.loadgen import LevelRun, Load
from citadel_cli.bench.schema import LevelResult, Percentiles, Slo


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of already sorted values, linearly interpolated."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    pos = (len(sorted_values) - 1) * q / 100.0
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def summarize(seconds: Sequence[float]) -> Percentiles:
    """Percentiles in milliseconds of samples given in seconds."""
    if not seconds:
        return Percentiles()
    values = sorted(s * 1000.0 for s in seconds)
    points = {f"p{q}": round(percentile(values, q), 3) for q in (50, 90, 95, 99)}
    return Percentiles(mean=round(sum(values) / len(values), 3), **points)


def _tpot(rec: Record) -> float | None:
    if rec.ttft is None or rec.output_tokens < 2:
        return None
    return (rec.end - rec.start - rec.ttft) / (rec.output_tokens - 1)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def level_result(run: LevelRun, load: Load, scenario: str, slo: Slo) -> LevelResult:
    ok = [r for r in run.records if r.error is None]
    errors = Counter(r.error for r in run.records if r.error is not None)
    e2e = [r.end - r.start for r in ok]
    wall = max(run.wall_s, 1e-9)
    good = sum(1 for seconds in e2e if seconds * 1000.0 <= slo.p95_ms)
    e2e_ms = summarize(e2e)
    total = len(run.records)
    error_rate = (total - len(ok)) / total if total else 1.0
    held = bool(ok) and e2e_ms.p95 is not None and e2e_ms.p95 <= slo.p95_ms and error_rate <= slo.max_error_rate
    return LevelResult(
        scenario=scenario, concurrency=load.concurrency, rate=load.rate, requests=total,
        errors=dict(sorted(errors.items())), duration_s=round(wall, 3),
        req_per_s=round(len(ok) / wall, 3),
        output_tok_per_s=round(sum(r.output_tokens for r in ok) / wall, 2),
        prompt_tokens_mean=_mean([r.prompt_tokens for r in ok if r.prompt_tokens is not None]),
        output_tokens_mean=_mean([r.output_tokens for r in ok]),
        goodput_req_per_s=round(good / wall, 3),
        ttft_ms=summarize([r.ttft for r in ok if r.ttft is not None]),
        tpot_ms=summarize([t for r in ok if (t := _tpot(r)) is not None]),
        itl_ms=summarize([gap for r in ok for gap in r.itls]),
        e2e_ms=e2e_ms, slo_held=held,
    )
