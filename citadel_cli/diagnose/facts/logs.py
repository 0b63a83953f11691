"""Recent log lines of every service, scanned for the failure signatures we know.

The patterns come from what vLLM, uvicorn, the kernel and systemd actually print (see
shared/notes/vllm-on-cpu.md); the most recent matching line of each signature is kept as evidence.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from citadel_cli.diagnose.env import DiagnoseEnv
from citadel_cli.diagnose.model import LogFacts, LogHit
from citadel_cli.errors import HostError
from citadel_cli.services import ServiceDef

SIGNATURES: dict[str, re.Pattern[str]] = {
    "oom": re.compile(r"out of memory|oom[-_ ]kill|killed by the oom killer|killed process \d+|"
                      r"memoryerror|outofmemoryerror|cannot allocate memory", re.I),
    "address_in_use": re.compile(r"address already in use|eaddrinuse|\[errno 98\]", re.I),
    "model_files": re.compile(r"safetensor\w*error|error while deserializing|headertoolarge|"
                              r"incomplete metadata|does not appear to have a file named|"
                              r"no model weights for|no such file or directory: .*(\.safetensors|config\.json)|"
                              r"(checksum|sha256) mismatch|(model|weight)s? (file )?(is )?corrupt", re.I),
    "permission": re.compile(r"permission denied|\[errno 13\]|operation not permitted|eacces", re.I),
    "kv_cache": re.compile(r"no available memory for the cache blocks|out of (kv[- ])?cache|"
                           r"larger than the maximum number of tokens that can be stored in kv cache|"
                           r"insufficient (kv[- ])?cache|kv cache (memory|space) (is )?(too small|insufficient)",
                           re.I),
    "illegal_instruction": re.compile(r"illegal instruction|sigill|signal 4\b|"
                                      r"(cpu|instruction set) (is )?not supported|requires avx", re.I),
    "exception": re.compile(r"^\s*traceback \(most recent call last\)", re.I),
}
# The line that names a Python exception, e.g. "ValueError: max_tokens must be at least 1".
EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit))(:.*)?$")


def collect(env: DiagnoseEnv) -> LogFacts:
    services = env.services
    with ThreadPoolExecutor(max_workers=len(services)) as pool:
        tails = list(pool.map(lambda s: _tail(env, s), services))
    facts = LogFacts()
    for svc, (lines, error) in zip(services, tails, strict=True):
        if error:
            facts.errors[svc.name] = error
        facts.scanned[svc.name] = len(lines)
        facts.tails[svc.name] = lines
        facts.hits += scan(svc.name, lines)
    return facts


def _tail(env: DiagnoseEnv, svc: ServiceDef) -> tuple[list[str], str | None]:
    try:
        return env.manager.tail(svc, env.log_lines), None
    except (HostError, OSError) as exc:
        return [], str(getattr(exc, "message", exc))


def scan(service: str, lines: list[str]) -> list[LogHit]:
    """One hit per signature found: its most recent line and how often it occurred."""
    hits: dict[str, LogHit] = {}
    for index, line in enumerate(lines):
        for name, pattern in SIGNATURES.items():
            if not pattern.search(line):
                continue
            shown = _exception_line(lines, index) if name == "exception" else line.strip()
            previous = hits.get(name)
            hits[name] = LogHit(service=service, signature=name, line=shown[:300],
                                count=(previous.count + 1) if previous else 1)
    return list(hits.values())


def _exception_line(lines: list[str], start: int) -> str:
    """The `SomeError: message` line that ends the traceback starting at `start`."""
    for line in lines[start + 1:start + 200]:
        text = line.strip()
        if EXCEPTION_LINE.match(text):
            return text
    return lines[start].strip()
