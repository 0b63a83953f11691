"""Accuracy: against the simulator with fixed TTFT and inter-token latency, the measured figures
agree with the configured ones within 5 %."""

from __future__ import annotations

import pytest

from citadel_cli.bench.loadgen import Load, Target, run_async, run_level
from citadel_cli.bench.metrics import level_result
from citadel_cli.bench.run import _bodies
from citadel_cli.bench.scenarios import PromptMaker, Scenario
from citadel_cli.bench.schema import Slo
from citadel_cli.config import CitadelConfig
from tests.bench.conftest import MODEL

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

TTFT_MS, ITL_MS, TOKENS = 100.0, 20.0, 24
E2E_MS = TTFT_MS + (TOKENS - 1) * ITL_MS


def _measure(base_url: str, load: Load, stream: bool = True):
    spec = CitadelConfig().model(MODEL)
    bodies = _bodies(spec, Scenario("t", 32, TOKENS), PromptMaker(None), stream, 8)
    target = Target(base_url + "/v1/chat/completions", {"content-type": "application/json"}, stream)
    run = run_async(run_level(target, bodies, load))
    return level_result(run, load, "t", Slo(p95_ms=10_000, rpm=1, concurrency=1))


def _near(measured: float | None, expected: float, tolerance: float = 0.05) -> bool:
    return measured is not None and abs(measured - expected) <= tolerance * expected


@pytest.mark.parametrize("concurrency", [1, 8])
def test_closed_loop_figures_match_the_simulator(sim, concurrency):
    server = sim("--ttft-ms", str(TTFT_MS), "--itl-ms", str(ITL_MS))
    result = _measure(server.base_url, Load(concurrency, requests=4 * concurrency))
    assert result.errors == {} and result.output_tokens_mean == TOKENS
    assert _near(result.ttft_ms.p50, TTFT_MS), result.ttft_ms
    assert _near(result.itl_ms.p50, ITL_MS), result.itl_ms
    assert _near(result.tpot_ms.mean, ITL_MS), result.tpot_ms
    assert _near(result.e2e_ms.p50, E2E_MS), result.e2e_ms
    # Closed loop: each of c workers completes one request per e2e latency.
    assert _near(result.req_per_s, concurrency * 1000.0 / E2E_MS), result.req_per_s
    assert _near(result.output_tok_per_s, result.req_per_s * TOKENS)


def test_open_loop_rate_is_held_when_the_server_keeps_up(sim):
    server = sim("--ttft-ms", "10", "--itl-ms", "1")
    rate = 40.0
    result = _measure(server.base_url, Load(32, rate=rate, requests=80))
    # Poisson arrivals: over 80 requests the achieved rate wanders by ~1/sqrt(80) = 11 %.
    assert result.errors == {} and 0.7 * rate <= result.req_per_s <= 1.3 * rate


def test_non_streaming_end_to_end_matches(sim):
    server = sim("--ttft-ms", str(TTFT_MS), "--itl-ms", str(ITL_MS))
    result = _measure(server.base_url, Load(4, requests=8), stream=False)
    assert result.errors == {} and result.ttft_ms.p50 is None
    assert _near(result.e2e_ms.p50, E2E_MS), result.e2e_ms
