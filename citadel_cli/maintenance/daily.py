"""The daily routine: health, watchdog, disk, log errors, request statistics."""

from __future__ import annotations

from citadel_cli.maintenance.disk import disk_job
from citadel_cli.maintenance.logs import log_errors_job
from citadel_cli.maintenance.metrics import gateway_metrics_job
from citadel_cli.maintenance.watchdog import health_job, watchdog_job

# The watchdog goes first so that the health line reports the services after any restart.
JOBS = [watchdog_job, health_job, disk_job, log_errors_job, gateway_metrics_job]
