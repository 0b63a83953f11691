"""The supervisor backend with plain stand-in commands: real processes, no engine needed."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time

import psutil
import pytest
from lifecycle_helpers import free_port, http_server, stand_in

from citadel_cli.errors import HostError
from citadel_cli.host.supervisor import read_env_file
from tests.support.poll import poll

pytestmark = pytest.mark.integration




def answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def status_of(manager, service):
    return manager.status([service])[0]


def test_start_status_stop_leaves_no_process(supervisor, paths):
    svc = http_server(paths, "web")
    supervisor.start([svc])
    poll(lambda: answers(svc.port))
    st = status_of(supervisor, svc)
    assert st.state == "active" and st.pid and st.rss_bytes > 0 and st.restarts == 0 and st.uptime_s >= 0
    group = int(supervisor.pid_file(svc).read_text())
    supervisor.start([svc])  # already running: left alone
    assert int(supervisor.pid_file(svc).read_text()) == group
    supervisor.stop([svc], timeout=5)
    assert not [p for p in psutil.pids() if _pgid(p) == group]
    st = status_of(supervisor, svc)
    assert st.state == "inactive" and st.pid is None and st.result == "success"


def test_kill_9_is_recorded_and_restarted(supervisor, paths):
    svc = http_server(paths, "web")
    supervisor.start([svc])
    first = poll(lambda: status_of(supervisor, svc).pid)
    poll(lambda: answers(svc.port))
    os.kill(first, signal.SIGKILL)
    st = poll(lambda: (s := status_of(supervisor, svc)).pid not in (None, first) and s)
    assert st.state == "active" and st.restarts == 1
    assert st.result == "signal" and st.exit_status == 9 and "signal 9" in st.message
    poll(lambda: answers(svc.port))
    assert "restart counter is at 1" in "\n".join(supervisor.logs(svc, lines=20))


def test_crash_loop_ends_failed_with_exit_status(paths):
    from citadel_cli.config import CitadelConfig
    from citadel_cli.host.runner import Runner
    from citadel_cli.host.supervisor import SupervisorManager

    manager = SupervisorManager(CitadelConfig(), paths, Runner(), restart_sec=0.05, burst=2)
    svc = stand_in(paths, "crash", [sys.executable, "-c", "print('boom'); raise SystemExit(3)"])
    manager.start([svc])
    st = poll(lambda: (s := status_of(manager, svc)).state == "failed" and s)
    assert st.exit_status == 3 and st.result == "exit-code" and st.restarts == 2 and st.pid is None
    assert "exited with status 3" in st.message
    assert "boom" in list(manager.logs(svc, lines=50))


def test_sigterm_ignored_then_sigkill_no_orphans(supervisor, paths):
    # The main process ignores SIGTERM and leaves a grandchild in a session of its own.
    code = ("import os, signal, subprocess, sys, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "forever = 'import time\\nwhile True: time.sleep(1)'\n"
            "subprocess.Popen([sys.executable, '-c', forever], start_new_session=True)\n"
            "print('up', flush=True)\n"
            "while True: time.sleep(1)\n")
    svc = stand_in(paths, "stubborn", [sys.executable, "-c", code])
    supervisor.start([svc])
    main = poll(lambda: status_of(supervisor, svc).pid)
    poll(lambda: psutil.Process(main).children())
    tree = [main, *(p.pid for p in psutil.Process(main).children(recursive=True))]
    started = time.monotonic()
    supervisor.stop([svc], timeout=1)
    assert time.monotonic() - started >= 1
    assert not [p for p in tree if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]


def test_env_file_and_config_reach_the_service(paths, tmp_path):
    from citadel_cli.config import CitadelConfig
    from citadel_cli.host.runner import Runner
    from citadel_cli.host.supervisor import SupervisorManager

    cfg_file = tmp_path / "c.yaml"
    manager = SupervisorManager(CitadelConfig(), paths, Runner(), config_file=cfg_file)
    svc = stand_in(paths, "env", [sys.executable, "-c",
                                  "import os; print('V', os.environ['GREETING'], os.environ['CITADEL_CONFIG'])"])
    svc.env_file.parent.mkdir(parents=True)
    svc.env_file.write_text("# comment\nGREETING='hello there'\n")
    assert read_env_file(svc.env_file) == {"GREETING": "hello there"}
    manager.start([svc])
    poll(lambda: status_of(manager, svc).state == "inactive")
    assert f"V hello there {cfg_file}" in list(manager.logs(svc, lines=10))


def test_port_taken_is_refused_with_owner(supervisor, paths):
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
        svc = stand_in(paths, "late", [sys.executable, "-c", "pass"], port)
        with pytest.raises(HostError, match=f"port {port} is already in use by pid {os.getpid()}"):
            supervisor.start([svc])


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except ProcessLookupError:
        return None
