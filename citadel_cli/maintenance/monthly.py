"""The monthly routine: capacity trends, security audit, available updates."""

from __future__ import annotations

from citadel_cli.maintenance.capacity import capacity_job
from citadel_cli.maintenance.security import security_job
from citadel_cli.maintenance.updates import updates_job

JOBS = [capacity_job, security_job, updates_job]
