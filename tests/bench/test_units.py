"""Pure parts of the bench: percentiles, SSE parsing, level planning, targets, verdicts, prompts."""

from __future__ import annotations

import random

import pytest

from citadel_cli.bench import run as bench_run
from citadel_cli.bench.clients import Record, feed_sse, is_token
from citadel_cli.bench.loadgen import LevelRun, Load, _arrivals
from citadel_cli.bench.metrics import level_result, percentile
from citadel_cli.bench.scenarios import SCENARIOS, PromptMaker
from citadel_cli.bench.schema import Slo
from citadel_cli.bench.target import resolve
from citadel_cli.bench.verdict import verdict
from citadel_cli.config import CitadelConfig
from citadel_cli.errors import UsageError

SLO = Slo(p95_ms=1000, rpm=60, concurrency=2)


def test_percentile_interpolates_like_numpy():
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0], 95) == pytest.approx(3.85)
    assert percentile([7.0], 99) == 7.0


def test_sse_counts_content_chunks_and_takes_usage():
    rec = Record(start=0.0)
    lines = [b'data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n',
             b'data: {"choices":[{"delta":{"content":"a"}}]}\n', b"\n",
             b'data: {"choices":[{"delta":{"content":"b"}}]}\n',
             b'data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2}}\n', b"data: [DONE]\n"]
    for line in lines:
        feed_sse(line, rec)
    assert rec.chunks == 2 and len(rec.itls) == 1 and rec.ttft is not None
    assert rec.output_tokens == 2 and rec.prompt_tokens == 9 and rec.done and rec.error is None


@pytest.mark.parametrize(("choice", "token"), [
    ({"delta": {"role": "assistant", "content": ""}}, False),  # vLLM's and OpenAI's opening chunk
    ({"delta": {}, "finish_reason": "stop"}, False),  # OpenAI's closing chunk
    ({"delta": {"content": "a"}}, True),
    ({"delta": {"content": ""}, "finish_reason": None}, True),  # a token whose text vLLM holds back
    ({"delta": {"content": ""}, "finish_reason": "length"}, True),  # vLLM's last token
    ({"delta": {"role": "assistant", "content": "hi"}}, True),  # servers that repeat the role
    ({"delta": {"content": None, "tool_calls": [{"index": 0}]}}, True),
    ({"text": ""}, True),  # completions: one chunk per token
])
def test_token_chunks_are_told_from_role_and_finish_chunks(choice, token):
    assert is_token(choice) is token


def _rec(start: float, ttft: float, end: float, tokens: int, error: str | None = None) -> Record:
    return Record(start=start, ttft=ttft, end=end, chunks=tokens, itls=[0.01] * (tokens - 1), done=True, error=error)


def test_level_result_figures_and_errors():
    records = [_rec(0, 0.1, 0.5, 41), _rec(0, 0.1, 2.0, 41), _rec(0, 0.1, 0.2, 1, error="http_500")]
    result = level_result(LevelRun(records, wall_s=2.0), Load(2, requests=3), "short", SLO)
    assert result.requests == 3 and result.errors == {"http_500": 1}
    assert result.req_per_s == 1.0 and result.goodput_req_per_s == 0.5 and result.output_tok_per_s == 41
    assert result.tpot_ms.p50 == pytest.approx((10 + 47.5) / 2) and result.ttft_ms.p50 == 100
    assert result.slo_held is False  # p95 of 500/2000 ms is above 1000 ms, and 1 in 3 failed


def test_find_peak_keeps_doubling_past_the_list():
    opts = bench_run.BenchOptions(model="m", concurrency=(1, 3), requests=5, find_peak=True)
    loads = bench_run._loads(opts)
    assert [next(loads).concurrency for _ in range(5)] == [1, 3, 6, 12, 24]
    rates = bench_run._loads(bench_run.BenchOptions(model="m", rate=2.0, find_peak=True, duration_s=1))
    first = [next(rates) for _ in range(3)]
    assert [(ld.rate, ld.concurrency, ld.duration_s) for ld in first] == [(2, 50, 1), (4, 50, 1), (8, 50, 1)]


def test_default_budget_scales_with_concurrency():
    loads = list(bench_run._loads(bench_run.BenchOptions(model="m", concurrency=(1, 10))))
    assert [ld.requests for ld in loads] == [20, 40]


def test_parse_concurrency():
    assert bench_run.parse_concurrency("10,1,5,5") == (1, 5, 10)
    with pytest.raises(UsageError):
        bench_run.parse_concurrency("1,-2")


def test_targets_resolve_from_the_config():
    config = CitadelConfig()
    spec = config.model("hermes-2")
    assert resolve(config, spec, "gateway").endpoint == "http://127.0.0.1:8000/v1/chat/completions"
    assert resolve(config, spec, "direct").base_url == "http://127.0.0.1:11401"
    assert resolve(config, spec, "http://h:9/v1/").base_url == "http://h:9"
    with pytest.raises(UsageError):
        resolve(config, spec, "http://user:pw@h:9")


def test_verdict_rows():
    good = level_result(LevelRun([_rec(0, 0.1, 0.5, 2)] * 10, 1.0), Load(2, requests=10), "short", SLO)
    rows = verdict([good], SLO)
    assert [(r.target, r.level) for r in rows] == [("p95 latency", "ok"), ("requests per minute", "ok"),
                                                   ("concurrency", "ok")]
    small = good.model_copy(update={"concurrency": 1})
    assert verdict([small], SLO)[0].level == "skip" and verdict([small], SLO)[2].level == "fail"


def test_prompts_have_the_asked_length_in_words_without_a_tokenizer():
    maker = PromptMaker(None)
    assert len(maker.text(50).split()) == 50 and maker.source == "words"
    conversation = maker.messages(SCENARIOS["conversation"])
    assert [m["role"] for m in conversation] == ["user", "assistant"] * 3 + ["user"]


def test_prompts_are_cut_to_exact_token_length_with_a_tokenizer(tmp_path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    # A byte-level BPE like the tiny test models' (and Llama-style HF tokenizers).
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(["the of and to in is that for it as was with be by on not"] * 10,
                            trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    maker = PromptMaker(path)
    text = maker.text(37)
    assert maker.source == "tokenizer" and len(tok.encode(text, add_special_tokens=False).ids) == 37


def test_poisson_arrivals_are_seeded_and_hit_the_rate_exactly_with_a_count():
    load = Load(8, rate=20.0, requests=300)
    first = list(_arrivals(load, random.Random(1)))
    assert first == list(_arrivals(load, random.Random(1))) != list(_arrivals(load, random.Random(2)))
    assert len(first) == 300 and first == sorted(first) and first[-1] == pytest.approx(300 / 20.0)
    endless = _arrivals(Load(8, rate=20.0, duration_s=1.0), random.Random(1))
    assert len([next(endless) for _ in range(1000)]) == 1000  # a duration level: the clock ends it


def test_content_parts_carry_the_same_text_as_plain_content():
    scenario = SCENARIOS["conversation"]
    plain = PromptMaker(None, seed=3).messages(scenario)
    parts = PromptMaker(None, seed=3, parts=True).messages(scenario)
    assert [m["content"] for m in plain] == [m["content"][0]["text"] for m in parts]
    assert all(m["content"][0]["type"] == "text" and len(m["content"]) == 1 for m in parts)
