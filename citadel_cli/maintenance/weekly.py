"""The weekly routine: logs, reports, config backup, model verification, performance, temp files."""

from __future__ import annotations

from citadel_cli.maintenance.backup import backup_job
from citadel_cli.maintenance.cleanup import cleanup_downloads_job
from citadel_cli.maintenance.logs import log_retention_job, report_retention_job
from citadel_cli.maintenance.perf import performance_job
from citadel_cli.maintenance.verify import verify_models_job

JOBS = [log_retention_job, report_retention_job, backup_job, cleanup_downloads_job, verify_models_job,
        performance_job]
