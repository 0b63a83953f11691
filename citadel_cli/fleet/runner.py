"""ansible-playbook, run through the Runner like every other process, and what it left behind.

Each host's answer comes from the file the playbook wrote for it (results/<host>.json); a host
without one never got that far (unreachable, or a task before the command failed), and the
PLAY RECAP line names which.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from citadel_cli.errors import HostError
from citadel_cli.fleet.inventory import ANSIBLE_SETTINGS, INVENTORY_FILE
from citadel_cli.host.runner import Runner

_RECAP_RE = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)


@dataclass
class PlaybookRun:
    returncode: int
    output: str
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # host -> what the playbook recorded
    unreachable: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)


def ansible_playbook(runner: Runner) -> str:
    """The ansible-playbook next to this interpreter (the venv with the ansible extra), else PATH's."""
    beside = Path(sys.executable).parent / "ansible-playbook"
    found = str(beside) if beside.is_file() else runner.which("ansible-playbook")
    if not found:
        raise HostError("ansible-playbook is not installed",
                        hint="install the ansible extra: pip install 'citadel-llm[ansible]'")
    return found


def run_playbook(runner: Runner, bundle: Path, playbook: str, *, limit: list[str] | None = None,
                 extra_vars: dict[str, Any] | None = None, timeout: float = 1800.0) -> PlaybookRun:
    results = bundle / "results"
    results.mkdir(parents=True, exist_ok=True)
    for old in results.glob("*.json"):
        old.unlink()  # answers of an earlier run must not pass for this one's
    variables = {"citadel_results_dir": str(results), **(extra_vars or {})}
    argv = [ansible_playbook(runner), "-i", str(bundle / INVENTORY_FILE), str(bundle / playbook),
            "-e", json.dumps(variables)]
    if limit:
        argv += ["--limit", ",".join(limit)]
    result = runner.run(argv, timeout=timeout, cwd=bundle, env=ANSIBLE_SETTINGS)
    output = result.stdout + result.stderr
    run = PlaybookRun(returncode=result.returncode, output=output)
    for path in results.glob("*.json"):
        run.answers[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    for host, _ok, _changed, unreachable, failed in _RECAP_RE.findall(output):
        if int(unreachable):
            run.unreachable.add(host)
        if int(failed):
            run.failed.add(host)
    return run


def last_error(output: str, host: str) -> str:
    """The line of ansible's output that says what went wrong on this host."""
    lines = [ln for ln in output.splitlines() if f"[{host}]" in ln and ("UNREACHABLE" in ln or "FAILED" in ln)]
    if not lines:
        return "no answer (see the ansible output with -v)"
    text = lines[-1]
    match = re.search(r'"msg":\s*"([^"]*)"', text)
    return match.group(1) if match else text.strip()[:300]
