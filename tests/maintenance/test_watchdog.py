"""The watchdog against real simulator engines: a wedged one is restarted (through the supervisor
backend), a failing count survives between runs, a stopped one is left alone."""

from __future__ import annotations

import httpx
import pytest

from citadel_cli.host.service_manager import get_service_manager
from citadel_cli.maintenance.models import Status
from citadel_cli.maintenance.watchdog import health_job, load_state, watchdog_job
from citadel_cli.services import engine_service
from citadel_cli.sim.testing import running_sim, wait_listening

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


class RecordingManager:
    def __init__(self) -> None:
        self.restarted: list[str] = []

    def restart(self, services) -> None:
        self.restarted += [s.name for s in services]


def engine(job_ctx):
    return engine_service(job_ctx.config.models["tiny"], job_ctx.config, job_ctx.paths)


def test_the_watchdog_restarts_a_wedged_simulator_engine(job_ctx):
    svc = engine(job_ctx)
    manager = get_service_manager(job_ctx.config, job_ctx.paths, job_ctx.runner, config_file=job_ctx.config_file)
    job_ctx.manager_factory = lambda: manager
    manager.start([svc])
    try:
        wait_listening(svc.port, 60)
        before = manager.status([svc])[0].pid
        assert watchdog_job(job_ctx).status is Status.ok
        httpx.post(f"{svc.base_url}/sim/faults", json={"hang": True}, timeout=5).raise_for_status()
        result = watchdog_job(job_ctx)
        assert result.status is Status.warn, result.summary
        assert "restarted tiny" in result.summary
        outcome = result.details["engines"]["tiny"]
        assert outcome["action"] == "restarted" and outcome["healthy_after_restart"]
        assert outcome["failed_probes"] == job_ctx.config.maintenance.watchdog_failures
        assert httpx.get(f"{svc.base_url}/health", timeout=5).status_code == 200
        assert manager.status([svc])[0].pid != before
        assert load_state(job_ctx) == {}  # the count starts again after a restart
    finally:
        manager.stop([svc], timeout=10)


def test_failures_are_counted_across_runs(job_ctx, tmp_path):
    svc = engine(job_ctx)
    manager = RecordingManager()
    job_ctx.manager_factory = lambda: manager
    job_ctx.watchdog_probes_per_run = 1  # the limit (3) is reached on the third run
    job_ctx.recover_timeout_s = 0.5  # the recording manager restarts nothing: do not wait for a recovery
    with running_sim("tiny", tmp_path, "--health-fail", port=svc.port):
        first, second = watchdog_job(job_ctx), watchdog_job(job_ctx)
        assert first.status is Status.warn and "1/3" in first.summary and "2/3" in second.summary
        assert manager.restarted == [] and load_state(job_ctx) == {"tiny": 2}
        third = watchdog_job(job_ctx)
        assert manager.restarted == ["tiny"]
        assert third.status is Status.fail and "still unhealthy: tiny" in third.summary


def test_a_stopped_engine_is_reported_not_restarted(job_ctx):
    manager = RecordingManager()
    job_ctx.manager_factory = lambda: manager
    result = watchdog_job(job_ctx)
    assert result.status is Status.ok and "down, not restarted: tiny" in result.summary
    assert manager.restarted == []
    health = health_job(job_ctx)
    assert health.status is Status.fail and health.details["tiny"]["outcome"] == "down"
