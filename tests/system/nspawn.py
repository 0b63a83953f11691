"""A real systemd in a container, for tests: boot it, run commands inside, clean up everything.

    with Container.boot("citadel-t1", scratch, binds_ro={repo: repo}) as box:
        box.write("/etc/systemd/system/x.service", text)
        box.run(["systemctl", "daemon-reload"]).check("daemon-reload")

How (see shared/notes/systemd-in-a-container.md): systemd-nspawn on the host's own tree with
--volatile=yes (a fresh tmpfs root, the host's /usr read-only, empty /etc /var /run), --register=no
--keep-unit because the host has no systemd/D-Bus, and `nsenter -t <container PID 1> -a` instead of
machinectl. The container shares the host network (no --private-network), so tests pick free ports.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
from pathlib import Path

import psutil

from citadel_cli.host.runner import Result, Runner

CGROUP_LEFTOVERS = [f"/sys/fs/cgroup/{h}/{d}" for d in ("payload/init.scope", "payload", "supervisor")
                    for h in ("systemd", "unified")]
RUN_LEFTOVERS = ["/run/systemd/nspawn/propagate", "/run/systemd/nspawn/locks", "/run/systemd/nspawn",
                 "/run/systemd/nspawn-root"]


def unavailable_reason(runner: Runner | None = None) -> str | None:
    """Why nspawn cannot run here (None when it can): installs systemd-container when missing and root."""
    runner = runner or Runner()
    if os.geteuid() != 0:
        return "systemd-nspawn needs root"
    if not runner.which("systemd-nspawn") and runner.which("apt-get"):
        runner.run(["apt-get", "install", "-y", "-qq", "systemd-container"], timeout=300,
                   env={"DEBIAN_FRONTEND": "noninteractive"})
    if not runner.which("systemd-nspawn"):
        return "systemd-nspawn is not installed (Debian package systemd-container)"
    if not runner.which("nsenter"):
        return "nsenter is not installed (util-linux)"
    if not Path("/usr/bin/python3.11").exists():
        return "the container runs the host's /usr/bin/python3.11, which is missing"
    if not Path("/sys/fs/cgroup").is_dir():
        return "no cgroup file system"
    return None


class Container:
    def __init__(self, name: str, scratch: Path, runner: Runner) -> None:
        self.name = name
        self.scratch = scratch
        self.runner = runner
        self.nspawn_pid: int | None = None
        self.pid1: int | None = None
        self.boot_s: float | None = None

    @classmethod
    def boot(cls, name: str, scratch: Path, binds_ro: dict[Path, Path] | None = None,
             binds: dict[Path, Path] | None = None,
             deadline_s: float = 60.0, runner: Runner | None = None) -> Container:
        box = cls(name, scratch, runner or Runner())
        argv = ["systemd-nspawn", "--directory=/", "--volatile=yes", "--boot", "--register=no", "--keep-unit",
                "--console=pipe", f"--machine={name}"]
        argv += [f"--bind-ro={src}:{dst}" for src, dst in (binds_ro or {}).items()]
        argv += [f"--bind={src}:{dst}" for src, dst in (binds or {}).items()]
        # An empty /etc makes systemd-firstboot prompt (hangs) or fail (degraded): mask it.
        argv += ["--", "systemd.mask=systemd-firstboot.service"]
        started = time.monotonic()
        box.nspawn_pid = box.runner.spawn_detached(argv, log_file=scratch / f"{name}.nspawn.log")
        try:
            box._wait_running(started + deadline_s)
        except BaseException:
            box.shutdown()
            raise
        box.boot_s = round(time.monotonic() - started, 2)
        return box

    def _wait_running(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if not psutil.pid_exists(self.nspawn_pid) or _zombie(self.nspawn_pid):
                raise RuntimeError(f"systemd-nspawn exited: {self.console_log()[-2000:]}")
            self.pid1 = self.pid1 or _child_named(self.nspawn_pid, "systemd")
            if self.pid1:
                state = self.run(["systemctl", "is-system-running"], timeout=5).stdout.strip()
                if state in ("running", "degraded"):
                    return
            time.sleep(0.1)  # poll the boot within the deadline
        raise TimeoutError(f"container {self.name} did not boot: {self.console_log()[-2000:]}")

    def console_log(self) -> str:
        path = self.scratch / f"{self.name}.nspawn.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- inside the container
    def run(self, argv: list[str], timeout: float = 60.0, env: dict[str, str] | None = None) -> Result:
        """argv in every namespace of the container (its mounts, pids, network)."""
        # A clean environment, as a shell inside would have: the host's (SSL_CERT_FILE=/etc/ssl/..., ...)
        # names files the container's empty /etc does not hold.
        clean = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
                 "HOME": "/root", **(env or {})}
        prefix = ["nsenter", "-t", str(self.pid1), "-a", "env", "-i", *(f"{k}={v}" for k, v in clean.items())]
        return self.runner.run([*prefix, *argv], timeout=timeout)

    def path(self, inside: str | Path) -> Path:
        """A container path as the host sees it (through /proc/PID1/root)."""
        return Path(f"/proc/{self.pid1}/root") / Path(inside).relative_to("/")

    def write(self, inside: str | Path, text: str, mode: int = 0o644) -> None:
        target = self.path(inside)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        target.chmod(mode)

    def processes(self) -> list[psutil.Process]:
        """Every process of the container except systemd's own (pid 1, journald, ...)."""
        procs = []
        for proc in psutil.Process(self.pid1).children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                if not proc.name().startswith(("systemd", "(sd-", "dbus", "agetty", "nsenter")):
                    procs.append(proc)
        return procs

    # --- teardown
    def shutdown(self, deadline_s: float = 20.0) -> None:
        """Clean halt (SIGTERM), a forced one on a second SIGTERM, then nspawn's leftovers on the host."""
        if self.nspawn_pid and psutil.pid_exists(self.nspawn_pid):
            proc = psutil.Process(self.nspawn_pid)
            for sig in (signal.SIGTERM, signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(psutil.NoSuchProcess):
                    proc.send_signal(sig)
                try:
                    proc.wait(timeout=deadline_s / 2)
                    break
                except psutil.TimeoutExpired:
                    continue
        cleanup_host()

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()


def cleanup_host() -> None:
    """Remove the empty cgroups and /run directories nspawn leaves when the host runs no systemd.
    Only empty ones: another container still running keeps its own."""
    for path in CGROUP_LEFTOVERS + RUN_LEFTOVERS:
        with contextlib.suppress(OSError):
            os.rmdir(path)


def _child_named(pid: int, name: str) -> int | None:
    with contextlib.suppress(psutil.NoSuchProcess):
        for child in psutil.Process(pid).children():
            if child.name() == name:
                return child.pid
    return None


def _zombie(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


# Where the checkout is bound inside a container: outside /tmp and /root, which services cannot see.
SRC_IN_BOX = Path("/srv/citadel-src")


def service_venv(repo: Path, target: Path, src_in_box: Path = SRC_IN_BOX) -> Path:
    """A venv at `target` that services in a container can run: Debian's /usr/bin/python3.11 (the
    container shares /usr) whose site-packages only holds a .pth reaching the repo and its dev venv
    as the container sees them (bind `repo` at `src_in_box`). Not the host paths: a checkout under
    /tmp is hidden from services by PrivateTmp=, and pyenv's python under /root by ProtectHome=."""
    shutil.rmtree(target, ignore_errors=True)
    Runner().run(["/usr/bin/python3.11", "-m", "venv", "--without-pip", str(target)]).check("python3.11 -m venv")
    dev_site = src_in_box / ".venv/lib/python3.11/site-packages"
    (target / "lib/python3.11/site-packages/citadel-src.pth").write_text(
        f"import site; site.addsitedir({str(dev_site)!r})\n{src_in_box}\n")
    return target
