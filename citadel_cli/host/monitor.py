"""The supervisor backend's per-service monitor — what systemd does for one unit, in one process.

    python -m citadel_cli.host.monitor --state FILE [--restart on-failure] [--restart-sec 1] -- ARGV...

The supervisor spawns this as the leader of a new process group; it runs ARGV in that group,
waits for it, and records every start and exit in the JSON state file, so `status` can tell
"killed by signal 9, restarted twice" from "stopped". Like systemd with Restart=on-failure it
restarts a main process that failed (not one that exited 0 or was stopped), after `restart-sec`,
and gives up (state failed) after `burst` restarts within `burst-window` seconds, as
StartLimitBurst/StartLimitIntervalSec do. After each exit it kills what the main process left in
the group (systemd's KillMode=control-group). SIGTERM to the monitor stops the service: the
monitor sends one SIGTERM to the whole group, waits for the main process, records "stopped".
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from citadel_cli.fsutil import atomic_write
from citadel_cli.host import probes


def read_state(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write_state(path: Path, state: dict[str, Any]) -> None:
    atomic_write(path, json.dumps(state, indent=1))


def describe_exit(returncode: int) -> tuple[str, int, str]:
    """(result, exit_status, words) in systemd's terms from a Popen return code."""
    if returncode < 0:
        sig = -returncode
        try:
            name = signal.Signals(sig).name.removeprefix("SIG")
        except ValueError:
            name = str(sig)
        return "signal", sig, f"killed by signal {sig} ({name})"
    if returncode == 0:
        return "success", 0, "exited with status 0"
    return "exit-code", returncode, f"exited with status {returncode}"


class Monitor:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.state_file = Path(args.state)
        self.stopping = threading.Event()
        self.child: subprocess.Popen | None = None
        self.recent: deque[float] = deque()
        self.state: dict[str, Any] = {
            "monitor_pid": os.getpid(), "monitor_started": probes.create_time(os.getpid()),
            "state": "activating", "sub_state": "start", "pid": None, "pid_started": None,
            "started_at": None, "restarts": 0, "result": None, "exit_status": None, "message": None,
        }

    def log(self, text: str) -> None:
        # stdout is the service's log file: the supervisor's own lines sit among the service's.
        print(f"{datetime.now().isoformat(timespec='seconds')} citadel-llm supervisor: {text}", flush=True)

    def save(self, **changes: Any) -> None:
        self.state.update(changes)
        write_state(self.state_file, self.state)

    def on_term(self, _signum: int, _frame: object) -> None:
        if self.stopping.is_set():
            return  # our own group-wide SIGTERM coming back to us
        self.stopping.set()
        self.log("stopping")
        os.killpg(os.getpgid(0), signal.SIGTERM)

    def spawn(self) -> subprocess.Popen:
        # Popen rather than Runner: the monitor needs the handle to wait for the exit status, and the
        # child must stay in this process group so one killpg reaches it and everything it starts.
        child = subprocess.Popen(self.args.argv, stdin=subprocess.DEVNULL)
        self.save(state="active", sub_state="running", pid=child.pid, pid_started=probes.create_time(child.pid),
                  started_at=datetime.now(UTC).isoformat())
        self.log(f"started {self.args.argv[0]} as pid {child.pid}")
        return child

    def reap_group(self) -> None:
        """Kill what the main process left behind in our group (never ourselves)."""
        leftovers = probes.group_members(os.getpgid(0), exclude=os.getpid())
        probes.signal_all(leftovers, signal.SIGKILL)
        probes.wait_gone(leftovers, 5.0)

    def may_restart(self, result: str) -> bool:
        if self.stopping.is_set() or result == "success" or self.args.restart == "no":
            return False
        now = time.monotonic()
        while self.recent and now - self.recent[0] > self.args.burst_window:
            self.recent.popleft()
        return len(self.recent) < self.args.burst

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.on_term)
        signal.signal(signal.SIGINT, self.on_term)
        while True:
            self.child = self.spawn()
            result, status, words = describe_exit(self.child.wait())
            self.log(f"main process {self.child.pid} {words}")
            self.reap_group()
            if self.stopping.is_set():
                self.save(state="inactive", sub_state="dead", pid=None, result="success", exit_status=status,
                          message=f"stopped; main process {words}")
                return 0
            if not self.may_restart(result):
                final = "inactive" if result == "success" else "failed"
                self.save(state=final, sub_state="dead" if final == "inactive" else "failed", pid=None,
                          result=result, exit_status=status, message=words)
                return 0
            self.recent.append(time.monotonic())
            self.save(state="activating", sub_state="auto-restart", pid=None, result=result,
                      exit_status=status, message=words)
            # RestartSec=: a fixed delay, cut short when a stop arrives meanwhile.
            if self.stopping.wait(self.args.restart_sec):
                self.save(state="inactive", sub_state="dead", message=f"stopped; main process {words}")
                return 0
            self.state["restarts"] += 1
            self.log(f"restarting, restart counter is at {self.state['restarts']}")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="citadel-llm-monitor")
    parser.add_argument("--state", required=True)
    parser.add_argument("--restart", choices=("no", "on-failure"), default="on-failure")
    parser.add_argument("--restart-sec", type=float, default=1.0)
    parser.add_argument("--burst", type=int, default=5)
    parser.add_argument("--burst-window", type=float, default=10.0)
    parser.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    args.argv = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not args.argv:
        parser.error("no command to run")
    return args


def main(argv: list[str] | None = None) -> int:
    return Monitor(parse_args(sys.argv[1:] if argv is None else argv)).run()


if __name__ == "__main__":
    sys.exit(main())
