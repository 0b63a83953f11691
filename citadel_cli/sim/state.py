"""The simulator's settings, run-time fault knobs and vLLM-named metrics."""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_left

from pydantic import BaseModel, ConfigDict, Field

SIM_VERSION = "0.32.0+sim"  # reported by /version: the vLLM release whose API the simulator mimics


class Faults(BaseModel):
    """Knobs tests turn at start (flags) or at run time (POST /sim/faults with any subset)."""

    model_config = ConfigDict(extra="forbid")

    error_rate: float = Field(0.0, ge=0, le=1, description="Share of generation requests answered with an error.")
    error_status: int = Field(500, ge=400, le=599, description="HTTP status of those errors.")
    hang: bool = Field(False, description="Stop answering every route (except /sim/faults), streams included.")
    die_after_chunks: int | None = Field(None, ge=0, description="Drop the connection after N body chunks.")
    health_fail: bool = Field(False, description="/health answers 503.")
    ttft_ms: float | None = Field(None, ge=0, description="Override the time to first token at run time.")
    itl_ms: float | None = Field(None, ge=0, description="Override the inter-token latency at run time.")


class SimOptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    model: str = Field(description="Served model name.")
    host: str = "127.0.0.1"
    port: int = Field(ge=0, le=65535)
    ttft_ms: float = Field(50.0, ge=0)
    itl_ms: float = Field(10.0, ge=0)
    max_num_seqs: int = Field(256, gt=0, description="Requests generated at once; the rest wait in a queue.")
    max_model_len: int = Field(4096, gt=0, description="Prompt + max_tokens above this is a 400, as in vLLM.")
    default_tokens: int = Field(16, gt=0, description="Tokens per reply when max_tokens is not given.")
    embedding_dim: int = Field(64, gt=0)
    faults: Faults = Field(default_factory=Faults)


# vLLM's bucket bounds (seconds), so dashboards and the bench read the same histograms.
TTFT_BUCKETS = (0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
                20.0, 40.0, 80.0, 160.0, 640.0, 2560.0)
ITL_BUCKETS = (0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
               20.0, 40.0, 80.0)
E2E_BUCKETS = (0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0,
               240.0, 480.0, 960.0, 1920.0, 7680.0)


class Histogram:
    __slots__ = ("bounds", "counts", "total", "count")

    def __init__(self, bounds: tuple[float, ...]) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value
        self.count += 1

    def render(self, name: str, labels: str, lines: list[str]) -> None:
        lines.append(f"# TYPE {name} histogram")
        cumulative = 0
        for bound, count in zip(self.bounds, self.counts, strict=False):
            cumulative += count
            lines.append(f'{name}_bucket{{{labels},le="{bound}"}} {cumulative}')
        lines.append(f'{name}_bucket{{{labels},le="+Inf"}} {self.count}')
        lines.append(f"{name}_sum{{{labels}}} {self.total}")
        lines.append(f"{name}_count{{{labels}}} {self.count}")


class Metrics:
    """Counters in the names vLLM exports; rendered by hand (cheaper than prometheus_client here)."""

    def __init__(self, model: str) -> None:
        self.labels = f'engine="0",model_name="{model}"'
        self.running = 0
        self.waiting = 0
        self.prompt_tokens = 0
        self.generation_tokens = 0
        self.success: dict[str, int] = {"stop": 0, "length": 0, "abort": 0}
        self.ttft = Histogram(TTFT_BUCKETS)
        self.itl = Histogram(ITL_BUCKETS)
        self.tpot = Histogram(ITL_BUCKETS)
        self.e2e = Histogram(E2E_BUCKETS)
        self.queue = Histogram(E2E_BUCKETS)

    def render(self, max_num_seqs: int) -> str:
        lab = self.labels
        lines = [
            "# TYPE vllm:num_requests_running gauge", f"vllm:num_requests_running{{{lab}}} {self.running}",
            "# TYPE vllm:num_requests_waiting gauge", f"vllm:num_requests_waiting{{{lab}}} {self.waiting}",
            "# TYPE vllm:kv_cache_usage_perc gauge",
            f"vllm:kv_cache_usage_perc{{{lab}}} {self.running / max_num_seqs}",
            "# TYPE vllm:num_preemptions_total counter", f"vllm:num_preemptions_total{{{lab}}} 0",
            "# TYPE vllm:prompt_tokens_total counter", f"vllm:prompt_tokens_total{{{lab}}} {self.prompt_tokens}",
            "# TYPE vllm:generation_tokens_total counter",
            f"vllm:generation_tokens_total{{{lab}}} {self.generation_tokens}",
            "# TYPE vllm:request_success_total counter",
        ]
        lines += [f'vllm:request_success_total{{{lab},finished_reason="{reason}"}} {n}'
                  for reason, n in self.success.items()]
        for name, hist in (("time_to_first_token_seconds", self.ttft), ("inter_token_latency_seconds", self.itl),
                           ("request_time_per_output_token_seconds", self.tpot),
                           ("e2e_request_latency_seconds", self.e2e), ("request_queue_time_seconds", self.queue)):
            hist.render(f"vllm:{name}", lab, lines)
        return "\n".join(lines) + "\n"


class SimState:
    """Everything mutable, owned by one app instance (no module globals)."""

    def __init__(self, options: SimOptions) -> None:
        self.options = options
        self.faults = options.faults.model_copy()
        self.metrics = Metrics(options.model)
        self.slots = asyncio.Semaphore(options.max_num_seqs)
        self.unhung = asyncio.Event()
        self.unhung.set()
        self.started = time.time()
        self.counter = 0
        self.apply_faults({})

    def apply_faults(self, update: dict) -> Faults:
        """Validate and merge a partial update; keeps the hang event in step."""
        self.faults = Faults.model_validate({**self.faults.model_dump(), **update})
        if self.faults.hang:
            self.unhung.clear()
        else:
            self.unhung.set()
        return self.faults

    @property
    def ttft_s(self) -> float:
        value = self.faults.ttft_ms if self.faults.ttft_ms is not None else self.options.ttft_ms
        return value / 1000.0

    @property
    def itl_s(self) -> float:
        value = self.faults.itl_ms if self.faults.itl_ms is not None else self.options.itl_ms
        return value / 1000.0

    def next_id(self) -> int:
        self.counter += 1
        return self.counter
