"""Saving and loading bench reports (JSON under the reports directory) and the environment
they were measured in, so two reports can be told apart and compared."""

from __future__ import annotations

import hashlib
import os
import platform
import socket
from pathlib import Path

from pydantic import ValidationError

from citadel_cli import __version__
from citadel_cli.bench.clients import client_version
from citadel_cli.bench.schema import BenchReport, Environment
from citadel_cli.config import CitadelConfig
from citadel_cli.errors import NotFoundError, UsageError
from citadel_cli.fsutil import atomic_write
from citadel_cli.paths import Paths


def environment(config: CitadelConfig, client: str) -> Environment:
    # The hash tells whether two runs saw the same deployment; the config itself holds no secret.
    digest = hashlib.sha256(config.model_dump_json().encode()).hexdigest()[:16]
    return Environment(citadel_version=__version__, python=platform.python_version(),
                       platform=platform.platform(), host=socket.gethostname(),
                       client=client_version(client), config_hash=digest, cpu_count=os.cpu_count())


def report_path(paths: Paths, report: BenchReport) -> Path:
    stamp = report.started_at.replace(":", "").replace("-", "")
    return paths.reports / "bench" / f"{report.model}-{stamp}.json"


def save(paths: Paths, report: BenchReport) -> BenchReport:
    path = report_path(paths, report)
    saved = report.model_copy(update={"saved_to": str(path)})
    atomic_write(path, saved.model_dump_json(indent=2) + "\n")
    return saved


def load(path: Path) -> BenchReport:
    if not path.is_file():
        raise NotFoundError(f"no bench report at {path}", hint="reports are saved under <reports>/bench/")
    try:
        return BenchReport.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        raise UsageError(f"{path} is not a bench report: {exc.errors()[0]['msg']}",
                         hint="pass JSON files written by `citadel-llm bench`") from None


def finish_report(paths: Paths, report: BenchReport, html_file: Path | None) -> BenchReport:
    """Save the JSON report (always) and the HTML one (when asked); the result names where."""
    saved = save(paths, report)
    if html_file is not None:
        from citadel_cli.bench.html import render_html

        atomic_write(html_file, render_html(saved))
    return saved
