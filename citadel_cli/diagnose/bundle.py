"""The support bundle: one .tar.gz an operator can attach to a report, secrets redacted.

Holds the effective config (and the YAML file as written), the rendered units, the env files,
service status, the diagnose JSON and the recent log lines of every service. Built in memory
(it is small: a few hundred log lines per service) and written with atomic_write, so a crash
never leaves half an archive under the name the operator will attach.
"""

from __future__ import annotations

import io
import json
import tarfile
import time
from pathlib import Path

import yaml

from citadel_cli.config import CitadelConfig
from citadel_cli.diagnose.model import DiagnoseReport
from citadel_cli.diagnose.redact import Redactor
from citadel_cli.errors import CitadelError
from citadel_cli.fsutil import atomic_write
from citadel_cli.paths import Paths

ROOT = "citadel-diagnose"


def bundle_files(report: DiagnoseReport, config: CitadelConfig, paths: Paths, source: Path | None,
                 redactor: Redactor) -> dict[str, str]:
    """Archive path -> text, every text already redacted."""
    files = {"diagnose.json": report.model_dump_json(indent=2),
             "config/effective.yaml": yaml.safe_dump(redactor.data(config.model_dump(mode="json")), sort_keys=False)}
    if source is not None and source.is_file():
        files[f"config/{source.name}"] = source.read_text(encoding="utf-8", errors="replace")
    files.update(_units(config, paths))
    for env_file in sorted(paths.env_dir.glob("*.env")) if paths.env_dir.is_dir() else []:
        files[f"env/{env_file.name}"] = env_file.read_text(encoding="utf-8", errors="replace")
    statuses = report.facts.services.statuses if report.facts.services else []
    files["status.json"] = json.dumps([s.model_dump(mode="json") for s in statuses], indent=2)
    for name, lines in (report.facts.logs.tails if report.facts.logs else {}).items():
        files[f"logs/{name}.log"] = "\n".join(lines) + "\n"
    return {name: redactor.text(text) for name, text in files.items()}


def _units(config: CitadelConfig, paths: Paths) -> dict[str, str]:
    from citadel_cli.units import render_units

    try:
        rendered = render_units(config, paths)
    except CitadelError as exc:  # the renderer refuses unsafe values: that refusal is itself evidence
        return {"units/RENDER-ERROR.txt": f"{exc.message}\n{exc.hint or ''}\n"}
    return {f"units/{path.relative_to(paths.systemd).as_posix()}": text for path, text in rendered.items()}


def write_bundle(target: Path, files: dict[str, str]) -> Path:
    """Write the archive atomically, readable by its owner only (it describes the host in detail)."""
    buffer = io.BytesIO()
    now = time.time()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, text in sorted(files.items()):
            data = text.encode()
            info = tarfile.TarInfo(f"{ROOT}/{name}")
            info.size, info.mode, info.mtime = len(data), 0o600, now
            tar.addfile(info, io.BytesIO(data))
    atomic_write(target, buffer.getvalue(), mode=0o600)
    return target
