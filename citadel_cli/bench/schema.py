"""The bench's results as pydantic models: what is saved as JSON, compared and rendered."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Percentiles(BaseModel):
    """Milliseconds; None where no sample was taken (e.g. TTFT without streaming)."""

    mean: float | None = None
    p50: float | None = None
    p90: float | None = None
    p95: float | None = None
    p99: float | None = None


class Slo(BaseModel):
    """The model's targets from the config, copied in so a report stands on its own."""

    p95_ms: float
    rpm: float
    concurrency: int
    max_error_rate: float = Field(0.01, description="Share of failed requests a level may have and still hold.")


class LevelResult(BaseModel):
    scenario: str
    concurrency: int = Field(description="Requests in flight (closed loop), or the cap on them (open loop).")
    rate: float | None = Field(None, description="Poisson arrival rate, requests/s (open loop); None = closed loop.")
    requests: int = Field(description="Requests completed, failed ones included.")
    errors: dict[str, int] = Field(default_factory=dict, description="Failed requests by kind.")
    duration_s: float
    req_per_s: float
    output_tok_per_s: float
    prompt_tokens_mean: float | None = None
    output_tokens_mean: float | None = None
    goodput_req_per_s: float = Field(description="Successful requests within the p95 latency target, per second.")
    ttft_ms: Percentiles
    tpot_ms: Percentiles
    itl_ms: Percentiles
    e2e_ms: Percentiles
    slo_held: bool = Field(description="p95 latency within target and error rate within bound.")

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def label(self) -> str:
        load = f"c={self.concurrency}"
        return f"{load} rate={self.rate:g}/s" if self.rate is not None else load


class VerdictRow(BaseModel):
    scenario: str
    target: str
    wanted: str
    measured: str
    level: str = Field(description="ok, fail or skip (not measured).")


class Environment(BaseModel):
    citadel_version: str
    python: str
    platform: str
    host: str
    client: str
    config_hash: str
    cpu_count: int | None = None


class BenchReport(BaseModel):
    model: str
    target: str = Field(description="Base URL benchmarked (no credentials).")
    target_kind: str = Field(description="gateway, direct or url.")
    started_at: str
    stream: bool
    mode: str = Field(description="closed (fixed concurrency) or open (Poisson rate).")
    find_peak: bool = False
    seed: int | None = Field(None, description="Seed of the prompts (--seed repeats them).")
    prompt_source: str = Field("words", description="tokenizer (exact prompt lengths) or words (approximate).")
    content: str = Field("text", description="Message content sent as text, or as typed parts (--content parts).")
    slo: Slo
    environment: Environment
    levels: list[LevelResult]
    verdict: list[VerdictRow]
    peaks: list[LevelResult] = Field(default_factory=list,
                                     description="Per scenario, the highest load that held the SLO (--find-peak).")
    saved_to: str | None = None
