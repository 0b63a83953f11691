"""Each service's state, restarts and last exit (from the ServiceManager), and its processes."""

from __future__ import annotations

from citadel_cli.diagnose.env import DiagnoseEnv
from citadel_cli.diagnose.model import ProcessFact, ServiceFacts
from citadel_cli.errors import HostError
from citadel_cli.host.service_manager import ServiceStatus
from citadel_cli.services import ServiceDef


def collect(env: DiagnoseEnv) -> ServiceFacts:
    services = env.services
    try:
        statuses = env.manager.status(services, usage=True)
    except HostError as exc:  # systemctl missing or refusing: the rest of diagnose still runs
        return ServiceFacts(backend=env.manager.backend, error=exc.message)
    processes = [p for svc, st in zip(services, statuses, strict=True) if (p := _process(svc, st))]
    return ServiceFacts(backend=env.manager.backend, statuses=statuses, processes=processes)


def _process(svc: ServiceDef, st: ServiceStatus) -> ProcessFact | None:
    import psutil

    if not st.pid:
        return None
    try:
        proc = psutil.Process(st.pid)
        children = proc.children(recursive=True)
        threads = proc.num_threads() + sum(_threads(c) for c in children)
    except psutil.Error:
        return None  # exited between the status call and now: the status already says so
    return ProcessFact(service=svc.name, pid=st.pid, rss_bytes=st.rss_bytes or 0, threads=threads,
                       children=len(children), budget_bytes=svc.memory)


def _threads(proc) -> int:  # proc: psutil.Process
    import psutil

    try:
        return proc.num_threads()
    except psutil.Error:
        return 0
