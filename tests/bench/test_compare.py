"""`bench compare`: deltas per level; a worse candidate is flagged and exits 1."""

from __future__ import annotations

from pathlib import Path

from citadel_cli.bench.schema import BenchReport, Environment, LevelResult, Percentiles, Slo


def _report(req_per_s: float, p95: float, errors: int = 0) -> BenchReport:
    lat = Percentiles(mean=p95 / 2, p50=p95 / 2, p90=p95 * 0.9, p95=p95, p99=p95 * 1.1)
    level = LevelResult(scenario="short", concurrency=10, requests=100, errors={"http_500": errors} if errors else {},
                        duration_s=10, req_per_s=req_per_s, output_tok_per_s=req_per_s * 32,
                        goodput_req_per_s=req_per_s, ttft_ms=lat, tpot_ms=lat, itl_ms=lat, e2e_ms=lat, slo_held=True)
    env = Environment(citadel_version="0", python="3.11", platform="linux", host="h", client="aiohttp 3",
                      config_hash="abc")
    return BenchReport(model="phi-3-mini", target="http://127.0.0.1:1", target_kind="url",
                       started_at="2026-01-01T00:00:00Z", stream=True, mode="closed",
                       slo=Slo(p95_ms=750, rpm=200, concurrency=10), environment=env, levels=[level], verdict=[])


def _write(path: Path, report: BenchReport) -> Path:
    path.write_text(report.model_dump_json())
    return path


def test_compare_flags_a_regression(cli, tmp_path):
    a = _write(tmp_path / "a.json", _report(req_per_s=20, p95=400))
    b = _write(tmp_path / "b.json", _report(req_per_s=15, p95=520))
    result = cli("bench", "compare", a, b)
    assert result.exit_code == 1
    assert "short c=10 req/s -25.0 %" in result.stdout and "e2e p95 ms +30.0 %" in result.stdout
    assert "regression(s)" in result.stdout


def test_compare_within_threshold_is_clean(cli, tmp_path):
    a = _write(tmp_path / "a.json", _report(req_per_s=20, p95=400))
    b = _write(tmp_path / "b.json", _report(req_per_s=19.5, p95=410))
    result = cli("bench", "compare", a, b, "--json")
    assert result.exit_code == 0
    assert '"regressions": []' in result.stdout


def test_new_errors_are_a_regression(cli, tmp_path):
    a = _write(tmp_path / "a.json", _report(req_per_s=20, p95=400))
    b = _write(tmp_path / "b.json", _report(req_per_s=20, p95=400, errors=5))
    result = cli("bench", "compare", a, b)
    assert result.exit_code == 1 and "error rate %" in result.stdout


def test_compare_refuses_a_file_that_is_not_a_report(cli, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"x": 1}')
    result = cli("bench", "compare", bad, bad)
    assert result.exit_code == 2 and "is not a bench report" in result.stderr
    missing = cli("bench", "compare", tmp_path / "none.json", bad)
    assert missing.exit_code == 1 and "no bench report" in missing.stderr
