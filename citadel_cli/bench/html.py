"""A self-contained HTML report: tables plus latency and throughput charts as inline SVG
(no script, no CDN, no external file: it opens offline and can be mailed as one file)."""

from __future__ import annotations

from html import escape

from citadel_cli.bench.schema import BenchReport, LevelResult

W, H, PAD = 640, 300, 48
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
CSS = ("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
       "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f3f3f3}"
       ".ok{color:#2a7d2a}.fail{color:#c62828;font-weight:bold}.skip{color:#888}svg{margin:0.5em 1em 1em 0}")


def line_chart(title: str, labels: list[str], series: dict[str, list[float | None]], unit: str) -> str:
    """A line chart over categorical x positions (the load levels)."""
    values = [v for vs in series.values() for v in vs if v is not None]
    top = max(values, default=1.0) * 1.1 or 1.0
    step = (W - 2 * PAD) / max(len(labels) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return PAD + i * step, H - PAD - (H - 2 * PAD) * v / top

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" role="img">',
             f'<text x="{W / 2}" y="18" text-anchor="middle" font-weight="bold">{escape(title)}</text>',
             f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#444"/>',
             f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="#444"/>',
             f'<text x="{PAD - 4}" y="{PAD}" text-anchor="end" font-size="11">{top:.3g}</text>',
             f'<text x="{PAD - 4}" y="{H - PAD}" text-anchor="end" font-size="11">0</text>',
             f'<text x="12" y="{H / 2}" font-size="11" transform="rotate(-90 12 {H / 2})">{escape(unit)}</text>']
    for i, label in enumerate(labels):
        parts.append(f'<text x="{PAD + i * step}" y="{H - PAD + 16}" text-anchor="middle" '
                     f'font-size="11">{escape(label)}</text>')
    for n, (name, vs) in enumerate(series.items()):
        color = COLORS[n % len(COLORS)]
        points = [xy(i, v) for i, v in enumerate(vs) if v is not None]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        parts += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"/>' for x, y in points]
        parts.append(f'<text x="{W - PAD + 4 - 120}" y="{PAD + 14 * n}" fill="{color}" '
                     f'font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _charts(levels: list[LevelResult]) -> str:
    labels = [lv.label.replace(" rate=", " ") for lv in levels]
    latency = line_chart("Latency", labels, {
        "e2e p50": [lv.e2e_ms.p50 for lv in levels], "e2e p95": [lv.e2e_ms.p95 for lv in levels],
        "TTFT p50": [lv.ttft_ms.p50 for lv in levels], "TTFT p95": [lv.ttft_ms.p95 for lv in levels]}, "ms")
    requests = line_chart("Throughput", labels, {
        "req/s": [lv.req_per_s for lv in levels], "goodput req/s": [lv.goodput_req_per_s for lv in levels]}, "req/s")
    tokens = line_chart("Output tokens", labels, {"tok/s": [lv.output_tok_per_s for lv in levels]}, "tok/s")
    return latency + requests + tokens


def _table(head: list[str], rows: list[list[str]]) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{cells}</tr>{body}</table>"


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def _levels_rows(levels: list[LevelResult]) -> list[list[str]]:
    return [[escape(lv.scenario), escape(lv.label), str(lv.requests), str(lv.error_count), f"{lv.req_per_s:.2f}",
             f"{lv.output_tok_per_s:.1f}", f"{lv.goodput_req_per_s:.2f}", _ms(lv.ttft_ms.p50), _ms(lv.tpot_ms.p50),
             _ms(lv.itl_ms.p50), _ms(lv.e2e_ms.p50), _ms(lv.e2e_ms.p95), _ms(lv.e2e_ms.p99),
             '<span class="ok">held</span>' if lv.slo_held else '<span class="fail">broke</span>'] for lv in levels]


def render_html(report: BenchReport) -> str:
    env = report.environment
    head = ["scenario", "load", "requests", "errors", "req/s", "out tok/s", "goodput/s", "TTFT p50", "TPOT p50",
            "ITL p50", "e2e p50", "e2e p95", "e2e p99", "SLO"]
    verdict = [[escape(v.scenario), escape(v.target), escape(v.wanted), escape(v.measured),
                f'<span class="{v.level}">{v.level}</span>'] for v in report.verdict]
    sections = []
    for scenario in dict.fromkeys(lv.scenario for lv in report.levels):
        levels = [lv for lv in report.levels if lv.scenario == scenario]
        sections.append(f"<h2>{escape(scenario)}</h2>{_charts(levels)}")
    title = f"citadel-llm bench: {report.model}"
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{escape(title)}</title>"
            f"<style>{CSS}</style></head><body><h1>{escape(title)}</h1>"
            f"<p>{escape(report.started_at)} &middot; {escape(report.target_kind)} {escape(report.target)} &middot; "
            f"{'streaming' if report.stream else 'non-streaming'} &middot; {escape(report.mode)} loop &middot; "
            f"targets: p95 &le; {report.slo.p95_ms:g} ms, {report.slo.rpm:g} rpm, c={report.slo.concurrency}</p>"
            f"<p>citadel-llm {escape(env.citadel_version)}, Python {escape(env.python)}, {escape(env.client)}, "
            f"host {escape(env.host)} ({env.cpu_count} CPUs), config {escape(env.config_hash)}</p>"
            f"<h2>Verdict</h2>{_table(['scenario', 'target', 'wanted', 'measured', 'result'], verdict)}"
            f"<h2>Levels (ms)</h2>{_table(head, _levels_rows(report.levels))}{''.join(sections)}</body></html>\n")
