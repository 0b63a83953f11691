"""Tables for `bench` (figures per level, verdict) and `bench compare` (deltas)."""

from __future__ import annotations

from rich.table import Table

from citadel_cli.bench.schema import BenchReport, LevelResult, Percentiles
from citadel_cli.render import level, table


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _pair(p: Percentiles) -> str:
    return f"{_ms(p.p50)} / {_ms(p.p95)}"


def _errors(lv: LevelResult) -> str:
    return ", ".join(f"{kind} {count}" for kind, count in lv.errors.items()) or "0"


def levels_table(report: BenchReport) -> Table:
    cols = ("scenario", "load", "requests", "errors", "req/s", "out tok/s", "goodput/s", "TTFT p50/p95",
            "TPOT p50/p95", "ITL p50/p95", "e2e p50 / p90 / p95 / p99 ms", "SLO")
    rows = [
        (lv.scenario, lv.label, lv.requests, _errors(lv), f"{lv.req_per_s:.2f}", f"{lv.output_tok_per_s:.1f}",
         f"{lv.goodput_req_per_s:.2f}", _pair(lv.ttft_ms), _pair(lv.tpot_ms), _pair(lv.itl_ms),
         " / ".join(_ms(getattr(lv.e2e_ms, q)) for q in ("p50", "p90", "p95", "p99")),
         level("ok") if lv.slo_held else level("fail"))
        for lv in report.levels
    ]
    return table(f"Bench {report.model} via {report.target_kind} ({report.target}), "
                 f"{'streaming' if report.stream else 'non-streaming'}, latencies in ms", cols, rows)


def verdict_table(report: BenchReport) -> Table:
    rows = [(v.scenario, v.target, v.wanted, v.measured, level(v.level)) for v in report.verdict]
    return table("Verdict against the model's targets", ("scenario", "target", "wanted", "measured", "result"), rows)


def report_tables(report: BenchReport) -> list:
    out: list = [levels_table(report), verdict_table(report)]
    if report.find_peak:
        peaks = ", ".join(f"{p.scenario}: {p.label} ({p.req_per_s:.2f} req/s)" for p in report.peaks)
        out.append(f"peak that held the SLO: {peaks or 'none (the first level already broke it)'}")
    if report.saved_to:
        out.append(f"saved {report.saved_to}")
    return out


def compare_table(result) -> list:  # noqa: ANN001 - bench.compare.Comparison
    rows = [(d.level, d.metric, _num(d.baseline), _num(d.candidate), _pct(d.change_pct),
             level("fail") if d.regression else "")
            for d in result.deltas]
    title = f"{result.baseline} -> {result.candidate} (regression: worse by more than {result.threshold_pct:g} %)"
    tbl = table(title, ("level", "metric", "baseline", "candidate", "change", "regression"), rows)
    summary = (f"{len(result.regressions)} regression(s): " + "; ".join(result.regressions)
               if result.regressions else "no regression")
    return [tbl, *result.notes, summary]


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f} %"
