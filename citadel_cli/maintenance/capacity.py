"""Capacity trends from the daily reports of the last 31 days: disk, memory and requests,
with a straight-line fit per series and, for disk, the days left until it is full."""

from __future__ import annotations

from datetime import timedelta

from citadel_cli.maintenance.context import JobContext
from citadel_cli.maintenance.models import JobResult, RunReport, Status
from citadel_cli.maintenance.runner import load_reports

WINDOW_DAYS = 31
FULL_SOON_DAYS = 30  # a disk projected full within this is a warning
MIN_SPAN_DAYS = 3  # a line through a few hours of samples projects noise, not a trend


def _job(report: RunReport, name: str) -> dict:
    return next((j.details for j in report.jobs if j.name == name), {})


def series(reports: list[RunReport]) -> dict[str, list[tuple[float, float]]]:
    """(days since the first report, value) per series name."""
    if not reports:
        return {}
    t0 = reports[0].started
    out: dict[str, list[tuple[float, float]]] = {}
    for report in reports:
        day = (report.started - t0).total_seconds() / 86400
        disk = _job(report, "disk")
        for fs, usage in disk.get("filesystems", {}).items():
            out.setdefault(f"disk_used_pct:{fs}", []).append((day, usage["used_pct"]))
        if "memory" in disk:
            out.setdefault("memory_used_pct", []).append((day, disk["memory"]["used_pct"]))
        requests = _job(report, "gateway-metrics").get("requests")
        if requests is not None:
            out.setdefault("requests_per_run", []).append((day, float(requests)))
    return out


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares change per day (0 when the points span no time)."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    return 0.0 if var == 0 else sum((x - mean_x) * (y - mean_y) for x, y in points) / var


def trend(points: list[tuple[float, float]]) -> dict:
    values = [y for _, y in points]
    return {"samples": len(points), "first": values[0], "last": values[-1], "min": min(values), "max": max(values),
            "mean": round(sum(values) / len(values), 2), "per_day": round(slope(points), 3)}


def capacity_job(ctx: JobContext) -> JobResult:
    since = ctx.now() - timedelta(days=WINDOW_DAYS)
    reports = [r for r in load_reports(ctx.reports_dir, "daily") if r.started >= since and not r.already_running]
    span = (reports[-1].started - reports[0].started).total_seconds() / 86400 if reports else 0.0
    if len(reports) < 2 or span < MIN_SPAN_DAYS:
        return JobResult(name="capacity", status=Status.skip,
                         summary=f"{len(reports)} daily reports over {span:.1f} days; trends need "
                         f"{MIN_SPAN_DAYS} days or more", details={"reports": len(reports)})
    trends = {name: trend(points) for name, points in series(reports).items()}
    full_soon = []
    for name, t in trends.items():
        if name.startswith("disk_used_pct:") and t["per_day"] > 0:
            t["days_until_full"] = round((100 - t["last"]) / t["per_day"], 1)
            if t["days_until_full"] <= FULL_SOON_DAYS:
                full_soon.append(f"{name.split(':', 1)[1]} full in ~{t['days_until_full']:g} days")
    details = {"window_days": WINDOW_DAYS, "reports": len(reports), "trends": trends}
    if full_soon:
        return JobResult(name="capacity", status=Status.warn, summary="; ".join(full_soon), details=details)
    req = trends.get("requests_per_run")
    summary = f"{len(reports)} daily reports; disk and memory steady"
    if req:
        summary += f"; requests per day {req['first']:g} -> {req['last']:g}"
    return JobResult(name="capacity", status=Status.ok, summary=summary, details=details)


capacity_job.job_name = "capacity"
