"""Local "hosts" for the fleet tests: network namespaces on one bridge, each with its own sshd.

Everything lives in a private range picked at run time (10.213.N.0/24, one not in use on this
machine) and is torn down at the end: the processes started inside our namespaces (sshd, the
engines and gateways the fleet started there) by pid, then the namespaces, then the bridge.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path

from citadel_cli.host.runner import Runner

SSHD = Path("/usr/sbin/sshd")


def missing_prerequisite(runner: Runner) -> str | None:
    """Why namespaces with sshd cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add)"
    for program in ("ip", "ssh", "ssh-keygen"):
        if not runner.which(program):
            return f"{program} is not installed (Debian: iproute2, openssh-client)"
    if not SSHD.is_file():
        return "sshd is not installed (Debian: openssh-server; scripts/test installs it)"
    probe = f"citprobe{os.getpid() % 10000}"
    result = runner.run(["ip", "netns", "add", probe])
    if not result.ok:
        return f"cannot create a network namespace here: {result.stderr.strip()}"
    runner.run(["ip", "netns", "del", probe])
    return None


@dataclass
class NetnsHost:
    name: str
    netns: str
    address: str
    sshd_pid: int | None = None


@dataclass
class NetnsFleet:
    workdir: Path
    count: int
    runner: Runner = field(default_factory=Runner)
    tag: str = field(default_factory=lambda: f"{os.getpid() % 1000:03d}{random.randint(0, 99):02d}")
    hosts: list[NetnsHost] = field(default_factory=list)
    subnet: str = ""

    @property
    def bridge(self) -> str:
        return f"cit{self.tag}br"

    @property
    def key(self) -> Path:
        return self.workdir / "id_ed25519"

    def ssh_env(self) -> dict[str, str]:
        """Ansible's SSH: our known_hosts, strict checking, no lingering control masters."""
        return {"ANSIBLE_SSH_ARGS": f"-o ControlMaster=no -o UserKnownHostsFile={self.workdir / 'known_hosts'} "
                                    "-o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=5",
                "ANSIBLE_REMOTE_TMP": str(self.workdir / "remote-tmp")}

    # --- up ----------------------------------------------------------------------------------

    def up(self) -> NetnsFleet:
        self.subnet = self._free_subnet()
        self._keys()
        self._ip("link", "add", self.bridge, "type", "bridge")
        self._ip("addr", "add", f"{self.subnet}.254/24", "dev", self.bridge)
        self._ip("link", "set", self.bridge, "up")
        for i in range(1, self.count + 1):
            self.hosts.append(self._host(i))
        for host in self.hosts:
            self._start_sshd(host)
        self._wait_for_ssh()
        return self

    def _free_subnet(self) -> str:
        used = self.runner.run(["ip", "-o", "addr"]).stdout + self.runner.run(["ip", "route"]).stdout
        for third in random.sample(range(10, 250), 240):
            if f"10.213.{third}." not in used:
                return f"10.213.{third}"
        raise RuntimeError("no free 10.213.N.0/24 on this machine")

    def _host(self, i: int) -> NetnsHost:
        host = NetnsHost(name=f"h{i}", netns=f"cit{self.tag}h{i}", address=f"{self.subnet}.{i}")
        outer, inner = f"cit{self.tag}v{i}", f"cit{self.tag}p{i}"
        self._ip("netns", "add", host.netns)
        self._ip("link", "add", outer, "type", "veth", "peer", "name", inner, "netns", host.netns)
        self._ip("link", "set", outer, "master", self.bridge)
        self._ip("link", "set", outer, "up")
        self._ip("-n", host.netns, "addr", "add", f"{host.address}/24", "dev", inner)
        self._ip("-n", host.netns, "link", "set", inner, "up")
        self._ip("-n", host.netns, "link", "set", "lo", "up")
        return host

    def _keys(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        for path in (self.key, self.workdir / "host_key"):
            self.runner.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path]).check("ssh-keygen")
        (self.workdir / "authorized_keys").write_text(self.key.with_suffix(".pub").read_text())
        (self.workdir / "remote-tmp").mkdir()

    def _start_sshd(self, host: NetnsHost) -> None:
        Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege-separation directory
        config = self.workdir / f"sshd_{host.name}.conf"
        config.write_text("\n".join([
            f"ListenAddress {host.address}", "Port 22", f"HostKey {self.workdir / 'host_key'}",
            f"PidFile {self.workdir / f'sshd_{host.name}.pid'}",
            f"AuthorizedKeysFile {self.workdir / 'authorized_keys'}", "PermitRootLogin prohibit-password",
            "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
            "StrictModes no",  # the keys live in pytest's tmp dir, not in ~/.ssh
        ]) + "\n")
        host.sshd_pid = self.runner.spawn_detached(
            ["ip", "netns", "exec", host.netns, str(SSHD), "-D", "-e", "-f", str(config)],
            log_file=self.workdir / f"sshd_{host.name}.log")
        pub = (self.workdir / "host_key.pub").read_text().split()
        with open(self.workdir / "known_hosts", "a") as known:
            known.write(f"{host.address} {pub[0]} {pub[1]}\n")

    def _wait_for_ssh(self, deadline_s: float = 20.0) -> None:
        deadline = time.monotonic() + deadline_s
        pending = list(self.hosts)
        while pending and time.monotonic() < deadline:
            pending = [h for h in pending if not _accepts(h.address, 22)]
            if pending:
                time.sleep(0.1)
        if pending:
            raise RuntimeError(f"sshd did not come up on {', '.join(h.address for h in pending)}")

    # --- down --------------------------------------------------------------------------------

    def down(self) -> None:
        for host in self.hosts:
            self._kill_inside(host)
            self.runner.run(["ip", "netns", "del", host.netns])
        self.runner.run(["ip", "link", "del", self.bridge])

    def _kill_inside(self, host: NetnsHost) -> None:
        """Every process left in our namespace was started by this test (sshd, and what the fleet ran)."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = [int(p) for p in self.runner.run(["ip", "netns", "pids", host.netns]).stdout.split()]
            for pid in pids:
                _signal(pid, sig)
            if pids:
                _wait_gone(pids, 5.0)

    def _ip(self, *args: str) -> None:
        self.runner.run(["ip", *args]).check(f"ip {' '.join(args)}")


def _accepts(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # already gone: exactly what we want
        os.kill(pid, sig)


def _wait_gone(pids: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if Path(f"/proc/{p}").exists() and "Z" not in _state(p)]
        if not alive:
            return
        time.sleep(0.05)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"
