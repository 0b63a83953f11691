"""The systemd backend's parsing and argv, with a fake Runner (the real one: tests/system)."""

from __future__ import annotations

from citadel_cli.config import CitadelConfig
from citadel_cli.host.runner import Result
from citadel_cli.host.systemd import SystemdManager, parse_show
from citadel_cli.services import all_services

SHOW = """Id=citadel-llm@hermes-2.service
ActiveState=active
SubState=running
MainPID=0
NRestarts=2
ExecMainStatus=9
ExecMainCode=2
Result=success
ExecMainStartTimestamp=Mon 2024-05-06 10:00:01 UTC
LoadState=loaded

Id=citadel-llm-gateway.service
ActiveState=failed
SubState=failed
MainPID=0
NRestarts=0
ExecMainStatus=3
ExecMainCode=1
Result=exit-code
ExecMainStartTimestamp=
LoadState=loaded
"""


class FakeRunner:
    def __init__(self, stdout: str = "") -> None:
        self.calls: list[tuple[str, ...]] = []
        self.stdout = stdout

    def run(self, argv, **_kw):
        self.calls.append(tuple(argv))
        return Result(tuple(argv), 0, self.stdout, "")


def services(paths):
    config = CitadelConfig()
    return [s for s in all_services(config, paths) if s.name in ("hermes-2", "gateway")]


def test_status_reads_restarts_and_last_exit(paths):
    manager = SystemdManager(FakeRunner(SHOW))
    hermes, gateway = manager.status(services(paths), usage=False)
    assert (hermes.state, hermes.restarts, hermes.exit_status, hermes.message) == ("active", 2, 9, "killed by signal 9")
    assert (gateway.state, gateway.result, gateway.exit_status) == ("failed", "exit-code", 3)
    assert gateway.message == "exited with status 3" and gateway.pid is None


def test_start_queues_all_units_at_once_and_stop_waits(paths):
    runner = FakeRunner()
    manager = SystemdManager(runner)
    manager.start(services(paths))
    manager.stop(services(paths), timeout=5)
    assert runner.calls[0] == ("systemctl", "start", "--no-block", "citadel-llm@hermes-2.service",
                               "citadel-llm-gateway.service")
    assert runner.calls[1][:2] == ("systemctl", "stop")


def test_logs_use_the_journal(paths):
    runner = FakeRunner("2024-05-06T10:00:01+0000 host python[1]: hello\n")
    lines = list(SystemdManager(runner).logs(services(paths)[0], lines=5, since="10m"))
    assert lines == ["2024-05-06T10:00:01+0000 host python[1]: hello"]
    assert runner.calls[0] == ("journalctl", "-u", "citadel-llm@hermes-2.service", "--no-pager", "-o", "short-iso",
                               "-n", "5", "--since", "10m")


def test_parse_show_splits_units():
    assert [b["Id"] for b in parse_show(SHOW)] == ["citadel-llm@hermes-2.service", "citadel-llm-gateway.service"]
