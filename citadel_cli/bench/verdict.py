"""The model's targets (p95 latency, requests per minute, concurrency) against the levels measured."""

from __future__ import annotations

from citadel_cli.bench.schema import LevelResult, Slo, VerdictRow


def verdict(levels: list[LevelResult], slo: Slo) -> list[VerdictRow]:
    rows: list[VerdictRow] = []
    for scenario in dict.fromkeys(level.scenario for level in levels):
        mine = [level for level in levels if level.scenario == scenario]
        rows += [_latency(scenario, mine, slo), _rpm(scenario, mine, slo), _concurrency(scenario, mine, slo)]
    return rows


def _latency(scenario: str, levels: list[LevelResult], slo: Slo) -> VerdictRow:
    """p95 at the target concurrency (or the first level above it)."""
    wanted = f"<= {slo.p95_ms:g} ms at c={slo.concurrency}"
    at_target = [lv for lv in levels if lv.concurrency >= slo.concurrency]
    if not at_target:
        top = max(lv.concurrency for lv in levels)
        return VerdictRow(scenario=scenario, target="p95 latency", wanted=wanted,
                          measured=f"not measured (highest c={top})", level="skip")
    level = min(at_target, key=lambda lv: lv.concurrency)
    p95 = level.e2e_ms.p95
    ok = p95 is not None and p95 <= slo.p95_ms
    measured = f"{p95:.0f} ms at {level.label}" if p95 is not None else f"no successful request at {level.label}"
    return VerdictRow(scenario=scenario, target="p95 latency", wanted=wanted, measured=measured,
                      level="ok" if ok else "fail")


def _rpm(scenario: str, levels: list[LevelResult], slo: Slo) -> VerdictRow:
    """The best throughput of any level that held the latency target."""
    wanted = f">= {slo.rpm:g} rpm within p95"
    held = [lv for lv in levels if lv.slo_held]
    if not held:
        return VerdictRow(scenario=scenario, target="requests per minute", wanted=wanted,
                          measured="no level held the SLO", level="fail")
    best = max(held, key=lambda lv: lv.req_per_s)
    rpm = best.req_per_s * 60
    return VerdictRow(scenario=scenario, target="requests per minute", wanted=wanted,
                      measured=f"{rpm:.0f} rpm at {best.label}", level="ok" if rpm >= slo.rpm else "fail")


def _concurrency(scenario: str, levels: list[LevelResult], slo: Slo) -> VerdictRow:
    wanted = f">= {slo.concurrency} in flight within p95"
    held = [lv for lv in levels if lv.slo_held]
    if not held:
        return VerdictRow(scenario=scenario, target="concurrency", wanted=wanted,
                          measured="no level held the SLO", level="fail")
    best = max(lv.concurrency for lv in held)
    return VerdictRow(scenario=scenario, target="concurrency", wanted=wanted, measured=f"held at c={best}",
                      level="ok" if best >= slo.concurrency else "fail")
