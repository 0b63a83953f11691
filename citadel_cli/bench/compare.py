"""`bench compare A.json B.json`: level-by-level changes, with regressions flagged.

Levels are matched by scenario and load. Throughput falling, or latency or errors rising, by more
than the threshold counts as a regression.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from citadel_cli.bench.report import load
from citadel_cli.bench.schema import BenchReport, LevelResult

# metric name -> (how to read it, True when higher is better)
METRICS = {
    "req/s": (lambda lv: lv.req_per_s, True),
    "output tok/s": (lambda lv: lv.output_tok_per_s, True),
    "goodput req/s": (lambda lv: lv.goodput_req_per_s, True),
    "TTFT p95 ms": (lambda lv: lv.ttft_ms.p95, False),
    "ITL p95 ms": (lambda lv: lv.itl_ms.p95, False),
    "e2e p50 ms": (lambda lv: lv.e2e_ms.p50, False),
    "e2e p95 ms": (lambda lv: lv.e2e_ms.p95, False),
    "error rate %": (lambda lv: 100.0 * lv.error_count / lv.requests if lv.requests else None, False),
}


class Delta(BaseModel):
    level: str
    metric: str
    baseline: float | None
    candidate: float | None
    change_pct: float | None
    regression: bool


class Comparison(BaseModel):
    baseline: str
    candidate: str
    threshold_pct: float
    deltas: list[Delta]
    regressions: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def _key(lv: LevelResult) -> str:
    return f"{lv.scenario} {lv.label}"


def _delta(name: str, key: str, old: LevelResult, new: LevelResult, threshold: float) -> Delta:
    read, higher_better = METRICS[name]
    a, b = read(old), read(new)
    change = None if a is None or b is None or a == 0 else 100.0 * (b - a) / a
    worse = change is not None and (-change if higher_better else change) > threshold
    if name == "error rate %" and a == 0 and b:
        worse = b > threshold / 10  # from none to some errors: a regression past a tenth of the threshold
    return Delta(level=key, metric=name, baseline=a, candidate=b,
                 change_pct=None if change is None else round(change, 2), regression=worse)


def compare_reports(old: BenchReport, new: BenchReport, threshold: float, names: tuple[str, str]) -> Comparison:
    before = {_key(lv): lv for lv in old.levels}
    after = {_key(lv): lv for lv in new.levels}
    deltas = [_delta(name, key, before[key], after[key], threshold)
              for key in before if key in after for name in METRICS]
    notes = [f"only in {names[0]}: {key}" for key in before if key not in after]
    notes += [f"only in {names[1]}: {key}" for key in after if key not in before]
    if old.model != new.model:
        notes.append(f"different models: {old.model} vs {new.model}")
    if old.environment.config_hash != new.environment.config_hash:
        notes.append("the config differs between the two runs")
    regressions = [f"{d.level} {d.metric} {d.change_pct:+.1f} %" if d.change_pct is not None
                   else f"{d.level} {d.metric}" for d in deltas if d.regression]
    return Comparison(baseline=names[0], candidate=names[1], threshold_pct=threshold, deltas=deltas,
                      regressions=regressions, notes=notes)


def compare_files(baseline: Path, candidate: Path, threshold: float) -> Comparison:
    return compare_reports(load(baseline), load(candidate), threshold, (str(baseline), str(candidate)))
