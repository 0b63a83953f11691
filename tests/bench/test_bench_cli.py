"""`citadel-llm bench MODEL` and `bench compare` through the real app, against real simulators."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.conftest import MODEL

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

FAST = ("--ttft-ms", "10", "--itl-ms", "2")
SMALL = ("--concurrency", "1,2", "--requests", "6", "--output-tokens", "4", "--prompt-tokens", "16")


def _bench(cli, tmp_path: Path, config: Path, url: str, *extra: str):
    return cli("--root", tmp_path / "root", "--config", config, "bench", MODEL, "--target", url, *SMALL, *extra)


def test_bench_model_prints_table_and_verdict_and_saves_json(cli, sim, bench_config, tmp_path):
    server = sim(*FAST)
    result = _bench(cli, tmp_path, bench_config(), server.base_url)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Bench phi-3-mini via url" in out and "c=1" in out and "c=2" in out
    assert "Verdict against the model's targets" in out and "p95 latency" in out and "requests per minute" in out
    saved = sorted((tmp_path / "root/opt/citadel/reports/bench").glob(f"{MODEL}-*.json"))
    assert len(saved) == 1 and f"saved {saved[0]}" in out
    report = json.loads(saved[0].read_text())
    assert [lv["concurrency"] for lv in report["levels"]] == [1, 2]
    assert all(lv["requests"] == 6 and lv["errors"] == {} for lv in report["levels"])
    assert report["environment"]["client"].startswith("aiohttp ") and report["environment"]["config_hash"]
    assert report["slo"]["p95_ms"] == 5000


def test_json_mode_prints_only_the_report_and_keeps_the_key_out(cli, sim, bench_config, tmp_path):
    server = sim(*FAST)
    result = _bench(cli, tmp_path, bench_config(), server.base_url, "--json", "--api-key", "sk-secret-123")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["model"] == MODEL and report["verdict"] and report["saved_to"]
    assert "sk-secret-123" not in Path(report["saved_to"]).read_text() and "sk-secret-123" not in result.stdout


def test_find_peak_reports_the_highest_load_that_held(cli, sim, bench_config, tmp_path):
    # 2 sequences at once: at c=4 requests queue and double their latency past the 80 ms target.
    server = sim("--ttft-ms", "20", "--itl-ms", "5", "--max-num-seqs", "2")
    config = bench_config(p95_ms=80, concurrency=2)
    result = cli("--root", tmp_path / "root", "--config", config, "bench", MODEL, "--target", server.base_url,
                 "--concurrency", "1", "--requests", "8", "--output-tokens", "8", "--find-peak", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [lv["concurrency"] for lv in report["levels"]] == [1, 2, 4]
    assert [lv["slo_held"] for lv in report["levels"]] == [True, True, False]
    assert report["peaks"][0]["concurrency"] == 2


def test_open_loop_rate_and_non_streaming(cli, sim, bench_config, tmp_path):
    server = sim(*FAST)
    result = cli("--root", tmp_path / "root", "--config", bench_config(), "bench", MODEL, "--target",
                 server.base_url, "--rate", "50", "--concurrency", "4", "--requests", "10", "--no-stream",
                 "--output-tokens", "4", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    level = report["levels"][0]
    assert report["mode"] == "open" and level["rate"] == 50 and level["requests"] == 10
    assert level["ttft_ms"]["p50"] is None and level["output_tokens_mean"] == 4


def test_content_parts_as_vllm_bench_sends_them(cli, sim, bench_config, tmp_path):
    server = sim(*FAST)
    result = cli("--root", tmp_path / "root", "--config", bench_config(), "bench", MODEL, "--target",
                 server.base_url, "--concurrency", "2", "--requests", "6", "--content", "parts",
                 "--prompt-tokens", "40", "--output-tokens", "4", "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    level = report["levels"][0]
    assert report["content"] == "parts"
    assert level["errors"] == {} and level["output_tokens_mean"] == 4 and level["prompt_tokens_mean"] >= 40


def test_html_report_is_self_contained(cli, sim, bench_config, tmp_path):
    server = sim(*FAST)
    html_file = tmp_path / "out" / "bench.html"
    result = _bench(cli, tmp_path, bench_config(), server.base_url, "--html", html_file)
    assert result.exit_code == 0, result.stderr
    page = html_file.read_text()
    assert page.count("<svg") >= 3 and "Latency" in page and "Throughput" in page
    assert "<script" not in page and "<link" not in page and "src=" not in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(server.base_url, "")


def test_target_down_fails_with_a_hint(cli, bench_config, tmp_path):
    from citadel_cli.sim.testing import free_port

    url = f"http://127.0.0.1:{free_port()}"
    result = _bench(cli, tmp_path, bench_config(), url)
    assert result.exit_code == 1 and f"nothing answers at {url}" in result.stderr and "hint:" in result.stderr


@pytest.mark.parametrize("args", [("--scenario", "huge"), ("--concurrency", "0,x"), ("--target", "ftp://x"),
                                  ("--requests", "3", "--duration", "1"), ("--content", "xml")])
def test_bad_options_are_usage_errors(cli, bench_config, tmp_path, args):
    result = cli("--config", bench_config(), "bench", MODEL, *args)
    assert result.exit_code == 2 and "error:" in result.stderr


def test_unknown_model_names_the_known_ones(cli, bench_config):
    result = cli("--config", bench_config(), "bench", "no-such-model")
    assert result.exit_code == 1 and "no model 'no-such-model'" in result.stderr


def test_bench_help_and_subcommand_help(cli):
    group = cli("bench", "--help")
    assert group.exit_code == 0 and "compare" in group.stdout and "bench MODEL" in group.stdout
    assert "--find-peak" in cli("bench", "run", "--help").stdout
    assert "--threshold" in cli("bench", "compare", "--help").stdout


def test_help_imports_no_http_client():
    code = ("import sys; from citadel_cli.main import app; from typer.testing import CliRunner;"
            "CliRunner().invoke(app, ['bench', '--help']);"
            "print(sorted(m for m in ('aiohttp', 'httpx', 'tokenizers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
