"""Daily request statistics from a /metrics page, the weekly performance check against a real
simulator, stale download cleanup and model verification."""

from __future__ import annotations

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from citadel_cli.maintenance.cleanup import cleanup_downloads_job
from citadel_cli.maintenance.disk import disk_job
from citadel_cli.maintenance.metrics import gateway_metrics_job, request_counts
from citadel_cli.maintenance.models import Status
from citadel_cli.maintenance.perf import performance_job
from citadel_cli.maintenance.runner import run_routine
from citadel_cli.maintenance.verify import verify_models_job
from citadel_cli.sim.testing import running_sim

METRICS = """# TYPE llm_requests_total counter
llm_requests_total{model="tiny",status="200",endpoint="/v1/chat/completions"} %d
llm_requests_total{model="tiny",status="502",endpoint="/v1/chat/completions"} %d
llm_requests_created{model="tiny",status="200",endpoint="/v1/chat/completions"} 1.7e9
llm_request_duration_seconds_sum{model="tiny",endpoint="/v1/chat/completions"} 5.0
llm_request_duration_seconds_count{model="tiny",endpoint="/v1/chat/completions"} 10.0
"""


@pytest.fixture
def metrics_page(job_ctx):
    page = {"text": METRICS % (90, 10)}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            body = page["text"].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass  # keep test output clean

    server = ThreadingHTTPServer(("127.0.0.1", job_ctx.config.gateway.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield page
    server.shutdown()
    server.server_close()


def test_request_counts_by_model_and_status_class():
    assert request_counts(METRICS % (5, 1)) == {"tiny": {"2xx": 5.0, "5xx": 1.0}}


def test_gateway_metrics_counts_requests_since_the_last_run(job_ctx, metrics_page):
    first = gateway_metrics_job(job_ctx)
    assert first.status is Status.warn and first.details["requests"] == 100 and first.details["error_rate"] == 0.1
    assert first.details["mean_latency_ms"] == {"tiny": 500.0}
    metrics_page["text"] = METRICS % (140, 10)
    second = gateway_metrics_job(job_ctx)
    assert second.status is Status.ok and second.details["requests"] == 50
    metrics_page["text"] = METRICS % (3, 0)  # the gateway restarted: counters began again
    assert gateway_metrics_job(job_ctx).details["requests"] == 3


def test_disk_reports_every_filesystem_and_memory(job_ctx):
    result = disk_job(job_ctx)
    assert result.status in (Status.ok, Status.warn, Status.fail)
    assert result.details["filesystems"] and result.details["memory"]["total_bytes"] > 0


@pytest.mark.integration
@pytest.mark.timeout(60)
def test_performance_is_compared_with_last_week(job_ctx, tmp_path):
    port = job_ctx.config.models["tiny"].port
    with running_sim("tiny", tmp_path, "--ttft-ms", "1", "--itl-ms", "1", port=port):
        first = run_routine("weekly", [performance_job], job_ctx).jobs[0]
        assert first.status is Status.ok and first.details["models"]["tiny"]["samples"] == 5
    with running_sim("tiny", tmp_path, "--ttft-ms", "400", "--itl-ms", "1", port=port):
        second = performance_job(job_ctx)
    assert second.status is Status.warn and "slower than last week" in second.summary
    assert second.details["models"]["tiny"]["vs_last_week"] >= 1.5


def test_stale_download_temp_files_are_removed(job_ctx):
    models = job_ctx.paths.model_dir("tiny")
    models.mkdir(parents=True)
    stale, fresh, weights = models / "a.safetensors.incomplete", models / "b.partial", models / "c.safetensors"
    for path in (stale, fresh, weights):
        path.write_bytes(b"x" * 10)
    old = time.time() - 2 * 86400
    os.utime(stale, (old, old))
    os.utime(weights, (old, old))
    result = cleanup_downloads_job(job_ctx)
    assert result.details["deleted"] == ["tiny/a.safetensors.incomplete"]
    assert fresh.exists() and weights.exists() and not stale.exists()


def test_models_without_a_lockfile_are_not_a_fault(job_ctx):
    result = verify_models_job(job_ctx)
    assert result.status is Status.ok and "no lockfile" in result.summary
