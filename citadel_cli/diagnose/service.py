"""`run_diagnose`: collect the facts, apply the rules, redact, time it."""

from __future__ import annotations

import time
from pathlib import Path

from citadel_cli.config import CitadelConfig
from citadel_cli.diagnose.env import HTTP_TIMEOUT_S, DiagnoseEnv
from citadel_cli.diagnose.model import DiagnoseReport
from citadel_cli.diagnose.redact import Redactor, host_redactor
from citadel_cli.host.runner import Runner
from citadel_cli.host.service_manager import ServiceManager
from citadel_cli.paths import Paths
from citadel_cli.services import all_services


def run_diagnose(config: CitadelConfig, paths: Paths, manager: ServiceManager, *, runner: Runner | None = None,
                 timeout_s: float = HTTP_TIMEOUT_S) -> DiagnoseReport:
    from citadel_cli.diagnose import rules
    from citadel_cli.diagnose.collect import collect_facts

    start = time.monotonic()
    env = DiagnoseEnv(config=config, paths=paths, manager=manager, runner=runner or Runner(), timeout_s=timeout_s)
    facts = collect_facts(env)
    report = DiagnoseReport(findings=rules.diagnose(facts, config), facts=facts,
                            seconds=round(time.monotonic() - start, 3))
    return redact_report(report, redactor_for(config, paths))


def redactor_for(config: CitadelConfig, paths: Paths) -> Redactor:
    env_files = {s.env_file for s in all_services(config, paths) if s.env_file}
    env_files |= set(paths.env_dir.glob("*.env")) if paths.env_dir.is_dir() else set()
    return host_redactor(sorted(env_files), paths.keys_db)


def redact_report(report: DiagnoseReport, redactor: Redactor) -> DiagnoseReport:
    """The same report with every string passed through the redactor (log tails included)."""
    clean = DiagnoseReport.model_validate(redactor.data(report.model_dump(mode="json")))
    if report.facts.logs is not None and clean.facts.logs is not None:
        clean.facts.logs.tails = {name: [redactor.text(line) for line in lines]
                                  for name, lines in report.facts.logs.tails.items()}
    return clean


def bundle_report(report: DiagnoseReport, config: CitadelConfig, paths: Paths, source: Path | None,
                  target: Path) -> Path:
    """Write the support bundle of `report` to `target` (a .tar.gz), every file redacted."""
    from citadel_cli.diagnose.bundle import bundle_files, write_bundle

    return write_bundle(target, bundle_files(report, config, paths, source, redactor_for(config, paths)))
