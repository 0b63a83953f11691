"""CPU, memory and the free space of each data path's disk."""

from __future__ import annotations

import os
import shutil

from citadel_cli.diagnose.env import DiagnoseEnv
from citadel_cli.diagnose.model import DiskFact, ResourceFacts


def collect(env: DiagnoseEnv) -> ResourceFacts:
    import psutil

    from citadel_cli.checks.hostfacts import HostFacts, existing_parent

    vm, swap = psutil.virtual_memory(), psutil.swap_memory()
    disks: dict[str, DiskFact] = {}
    for path in env.paths.data_dirs():
        where = existing_parent(path)
        usage = shutil.disk_usage(where)
        disks.setdefault(str(path), DiskFact(path=str(path), total=usage.total, free=usage.free))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return ResourceFacts(cores=HostFacts().cores(), load_1m=load, memory_total=vm.total,
                         memory_available=vm.available, swap_used=swap.used, disks=list(disks.values()))
